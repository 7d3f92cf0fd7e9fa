//! Data every installation starts with: the default pipeline.

use diesel::prelude::*;

use super::schema::{pipelines, stages};
use super::{now, DbConn, StoreError};
use crate::store::OnBackend;

const DEFAULT_PIPELINE: &str = "Sales";
const DEFAULT_STAGES: [&str; 5] = ["New", "Contacted", "Proposal", "Won", "Lost"];

/// Creates the default pipeline unless one exists. Safe to call at every start.
pub fn ensure_default_pipeline(conn: &mut DbConn) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let exists: i64 = pipelines::table
            .filter(pipelines::is_default.eq(true))
            .count()
            .get_result_on(conn)?;
        if exists > 0 {
            return Ok(());
        }
        let pipeline_id: i64 = diesel::insert_into(pipelines::table)
            .values((
                pipelines::name.eq(DEFAULT_PIPELINE),
                pipelines::is_default.eq(true),
                pipelines::created_at.eq(now()),
            ))
            .returning(pipelines::id)
            .get_result_on(conn)?;
        for (position, name) in (0i32..).zip(DEFAULT_STAGES) {
            diesel::insert_into(stages::table)
                .values((
                    stages::pipeline_id.eq(pipeline_id),
                    stages::name.eq(name),
                    stages::position.eq(position),
                ))
                .execute_on(conn)?;
        }
        Ok(())
    })
}
