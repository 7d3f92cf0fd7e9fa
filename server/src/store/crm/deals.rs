//! Pipelines with their stages, and deals.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use crate::domain::deal::DealFacts;
use crate::store::schema::{contacts, deals, pipelines, stages};
use crate::store::OnBackend;
use crate::store::{now, write_transaction, DbConn, StoreError};
use shared::api::crm::DealStatus;

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRecord {
    pub id: Id,
    pub name: String,
    pub is_default: bool,
    /// `(id, name)` in order.
    pub stages: Vec<(Id, String)>,
}

pub fn list_pipelines(conn: &mut DbConn) -> Result<Vec<PipelineRecord>, StoreError> {
    let rows: Vec<(Id, String, bool)> = pipelines::table
        .order(pipelines::id)
        .select((pipelines::id, pipelines::name, pipelines::is_default))
        .load_on(conn)?;
    let all_stages: Vec<(Id, Id, String)> = stages::table
        .order((stages::pipeline_id, stages::position))
        .select((stages::pipeline_id, stages::id, stages::name))
        .load_on(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, is_default)| PipelineRecord {
            id,
            name,
            is_default,
            stages: all_stages
                .iter()
                .filter(|s| s.0 == id)
                .map(|s| (s.1, s.2.clone()))
                .collect(),
        })
        .collect())
}

pub fn find_pipeline(conn: &mut DbConn, id: Id) -> Result<PipelineRecord, StoreError> {
    list_pipelines(conn)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(StoreError::NotFound)
}

pub fn default_pipeline_id(conn: &mut DbConn) -> Result<Id, StoreError> {
    Ok(pipelines::table
        .order((pipelines::is_default.desc(), pipelines::id))
        .select(pipelines::id)
        .first_on(conn)?)
}

pub fn insert_pipeline(
    conn: &mut DbConn,
    name: &str,
    stage_names: &[String],
) -> Result<PipelineRecord, StoreError> {
    write_transaction(conn, |conn| {
        let id: Id = diesel::insert_into(pipelines::table)
            .values((
                pipelines::name.eq(name),
                pipelines::is_default.eq(false),
                pipelines::created_at.eq(now()),
            ))
            .returning(pipelines::id)
            .get_result_on(conn)?;
        for (position, stage) in (0i32..).zip(stage_names) {
            diesel::insert_into(stages::table)
                .values((
                    stages::pipeline_id.eq(id),
                    stages::name.eq(stage),
                    stages::position.eq(position),
                ))
                .execute_on(conn)?;
        }
        find_pipeline(conn, id)
    })
}

/// How many deals each of a funnel's stages holds (stages without deals absent).
pub fn deals_per_stage(conn: &mut DbConn, pipeline_id: Id) -> Result<Vec<(Id, i64)>, StoreError> {
    use diesel::dsl::count_star;
    Ok(deals::table
        .filter(deals::pipeline_id.eq(pipeline_id))
        .group_by(deals::stage_id)
        .select((deals::stage_id, count_star()))
        .load_on(conn)?)
}

/// Renames a funnel.
pub fn rename_pipeline(conn: &mut DbConn, id: Id, name: &str) -> Result<(), StoreError> {
    diesel::update(pipelines::table.find(id))
        .set(pipelines::name.eq(name))
        .execute_on(conn)?;
    Ok(())
}

/// Makes a funnel's stages exactly `wanted`, in that order: `(Some(id), name)`
/// keeps (and renames) a stage, `(None, name)` adds one; stages left out are
/// deleted. The caller checked that left-out stages hold no deals and that
/// every id is one of this funnel's, in its write transaction.
pub fn set_stages(
    conn: &mut DbConn,
    pipeline_id: Id,
    wanted: &[(Option<Id>, String)],
) -> Result<(), StoreError> {
    let kept: Vec<Id> = wanted.iter().filter_map(|(id, _)| *id).collect();
    diesel::delete(
        stages::table
            .filter(stages::pipeline_id.eq(pipeline_id))
            .filter(stages::id.ne_all(&kept)),
    )
    .execute_on(conn)?;
    // (pipeline_id, position) is unique and checked row by row: park the kept
    // stages on negative positions before giving each its place.
    for (parked, id) in (1i32..).zip(&kept) {
        diesel::update(stages::table.find(id))
            .set(stages::position.eq(-parked))
            .execute_on(conn)?;
    }
    for (position, (id, name)) in (0i32..).zip(wanted) {
        match id {
            Some(id) => {
                diesel::update(stages::table.find(id))
                    .set((stages::position.eq(position), stages::name.eq(name)))
                    .execute_on(conn)?;
            }
            None => {
                diesel::insert_into(stages::table)
                    .values((
                        stages::pipeline_id.eq(pipeline_id),
                        stages::name.eq(name),
                        stages::position.eq(position),
                    ))
                    .execute_on(conn)?;
            }
        }
    }
    Ok(())
}

/// How many deals a funnel holds and how many live integrations feed it.
pub fn pipeline_use(conn: &mut DbConn, id: Id) -> Result<(i64, i64), StoreError> {
    use crate::store::schema::integrations;
    let deals: i64 = deals::table
        .filter(deals::pipeline_id.eq(id))
        .count()
        .get_result_on(conn)?;
    let feeding: i64 = integrations::table
        .filter(integrations::pipeline_id.eq(id))
        .filter(integrations::deleted_at.is_null())
        .count()
        .get_result_on(conn)?;
    Ok((deals, feeding))
}

/// Deletes a funnel nobody uses (its stages go with it). Deleted
/// integrations still name it: they move to `fallback`, since they create
/// no deal any more.
pub fn delete_pipeline(conn: &mut DbConn, id: Id, fallback: Id) -> Result<(), StoreError> {
    use crate::store::schema::integrations;
    diesel::update(integrations::table.filter(integrations::pipeline_id.eq(id)))
        .set(integrations::pipeline_id.eq(fallback))
        .execute_on(conn)?;
    diesel::delete(stages::table.filter(stages::pipeline_id.eq(id))).execute_on(conn)?;
    diesel::delete(pipelines::table.find(id)).execute_on(conn)?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct DealRecord {
    pub id: Id,
    pub stage_name: String,
    /// `None` once the contact was erased.
    pub contact_id: Option<Id>,
    pub contact_name: Option<String>,
    pub chat_id: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// What a manager may change.
    pub facts: DealFacts,
}

type DealRow = (
    (
        Id,
        String,
        Id,
        Id,
        String,
        Option<Id>,
        Option<String>,
        Option<Id>,
    ),
    (
        Option<f64>,
        Option<String>,
        String,
        Option<Id>,
        Option<String>,
    ),
    (NaiveDateTime, NaiveDateTime, Option<NaiveDateTime>),
);

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(
    #[sql_name = "lower"]
    fn lower_nullable(
        x: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>
);

macro_rules! deal_query {
    () => {
        deals::table
            .inner_join(stages::table)
            .left_join(contacts::table.on(deals::contact_id.eq(contacts::id.nullable())))
            .select((
                (
                    deals::id,
                    deals::title,
                    deals::pipeline_id,
                    deals::stage_id,
                    stages::name,
                    deals::contact_id,
                    contacts::name.nullable(),
                    deals::chat_id,
                ),
                (
                    deals::amount,
                    deals::currency,
                    deals::status,
                    deals::responsible_id,
                    deals::close_note,
                ),
                (deals::created_at, deals::updated_at, deals::closed_at),
            ))
    };
}

fn to_deal(row: DealRow) -> Result<DealRecord, StoreError> {
    let (
        (id, title, pipeline_id, stage_id, stage_name, contact_id, contact_name, chat_id),
        (amount, currency, status, responsible_id, close_note),
        (created_at, updated_at, closed_at),
    ) = row;
    let status = DealStatus::parse(&status)
        .ok_or_else(|| StoreError::Corrupt(format!("deal {id} has status {status:?}")))?;
    Ok(DealRecord {
        id,
        stage_name,
        contact_id,
        contact_name,
        chat_id,
        created_at,
        updated_at,
        facts: DealFacts {
            title,
            pipeline_id,
            stage_id,
            amount,
            currency,
            status,
            responsible_id,
            close_note,
            closed_at,
        },
    })
}

fn to_deals(rows: Vec<DealRow>) -> Result<Vec<DealRecord>, StoreError> {
    rows.into_iter().map(to_deal).collect()
}

/// A new deal in the pipeline's first stage.
pub fn insert_deal(
    conn: &mut DbConn,
    pipeline_id: Id,
    contact_id: Id,
    chat_id: Option<Id>,
    title: &str,
) -> Result<DealRecord, StoreError> {
    let id = insert_deal_row(conn, pipeline_id, contact_id, chat_id, title)?;
    find_deal(conn, id)
}

/// [`insert_deal`] without reading the new deal back: its id (a new chat's
/// deal needs nothing else, and runs once per first contact).
pub fn insert_deal_row(
    conn: &mut DbConn,
    pipeline_id: Id,
    contact_id: Id,
    chat_id: Option<Id>,
    title: &str,
) -> Result<Id, StoreError> {
    let first_stage: Id = stages::table
        .filter(stages::pipeline_id.eq(pipeline_id))
        .order(stages::position)
        .select(stages::id)
        .first_on(conn)?;
    let at = now();
    let id: Id = diesel::insert_into(deals::table)
        .values((
            deals::pipeline_id.eq(pipeline_id),
            deals::stage_id.eq(first_stage),
            deals::contact_id.eq(contact_id),
            deals::chat_id.eq(chat_id),
            deals::title.eq(title),
            deals::created_at.eq(at),
            deals::status.eq(DealStatus::Open.as_str()),
            deals::updated_at.eq(at),
        ))
        .returning(deals::id)
        .get_result_on(conn)?;
    Ok(id)
}

pub fn find_deal(conn: &mut DbConn, id: Id) -> Result<DealRecord, StoreError> {
    to_deal(deal_query!().filter(deals::id.eq(id)).first_on(conn)?)
}

/// Filters of `GET /api/v1/deals`; all optional, all combined.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub pipeline_id: Option<Id>,
    pub stage_id: Option<Id>,
    pub status: Option<DealStatus>,
    pub responsible_id: Option<Id>,
    pub contact_id: Option<Id>,
    /// Part of the title or of the contact's name, any case.
    pub q: Option<String>,
    /// Only deals of chats this user follows (a follower's view).
    pub followed_by: Option<Id>,
}

/// One page of deals, newest first; the cursor is the last deal's id.
pub fn list_deals(
    conn: &mut DbConn,
    filter: &DealFilter,
    before_id: Option<Id>,
    limit: i64,
) -> Result<(Vec<DealRecord>, Option<Id>), StoreError> {
    use crate::store::schema::chat_followers;
    let mut query = deal_query!().into_boxed();
    if let Some(id) = filter.pipeline_id {
        query = query.filter(deals::pipeline_id.eq(id));
    }
    if let Some(id) = filter.stage_id {
        query = query.filter(deals::stage_id.eq(id));
    }
    if let Some(status) = filter.status {
        query = query.filter(deals::status.eq(status.as_str()));
    }
    if let Some(id) = filter.responsible_id {
        query = query.filter(deals::responsible_id.eq(id));
    }
    if let Some(id) = filter.contact_id {
        query = query.filter(deals::contact_id.eq(id));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        query = query.filter(
            lower(deals::title)
                .like(pattern.clone())
                .escape('\\')
                .or(lower_nullable(contacts::name.nullable())
                    .like(pattern)
                    .escape('\\')
                    .assume_not_null()),
        );
    }
    if let Some(user) = filter.followed_by {
        let followed = chat_followers::table
            .filter(chat_followers::user_id.eq(user))
            .select(chat_followers::chat_id.nullable());
        query = query.filter(deals::chat_id.eq_any(followed));
    }
    if let Some(before) = before_id {
        query = query.filter(deals::id.lt(before));
    }
    let mut page = to_deals(
        query
            .order(deals::id.desc())
            .limit(limit + 1)
            .load::<DealRow>(conn)?,
    )?;
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|deal| deal.id)
    } else {
        None
    };
    Ok((page, next))
}

/// `%`, `_` and `\` match themselves.
pub(super) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `(stage_id, currency, deals, summed amount)`.
pub type StageCurrencyTotal = (Id, Option<String>, i64, Option<f64>);

/// Per stage of a funnel: how many deals and their amounts summed per
/// currency (`(stage_id, currency, count, total)`), with the list's filters.
pub fn stage_totals(
    conn: &mut DbConn,
    pipeline_id: Id,
    status: Option<DealStatus>,
    responsible_id: Option<Id>,
    followed_by: Option<Id>,
) -> Result<Vec<StageCurrencyTotal>, StoreError> {
    use crate::store::schema::chat_followers;
    use diesel::dsl::{count_star, sum};
    let mut query = deals::table
        .filter(deals::pipeline_id.eq(pipeline_id))
        .group_by((deals::stage_id, deals::currency))
        .select((
            deals::stage_id,
            deals::currency,
            count_star(),
            sum(deals::amount),
        ))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(deals::status.eq(status.as_str()));
    }
    if let Some(id) = responsible_id {
        query = query.filter(deals::responsible_id.eq(id));
    }
    if let Some(user) = followed_by {
        let followed = chat_followers::table
            .filter(chat_followers::user_id.eq(user))
            .select(chat_followers::chat_id.nullable());
        query = query.filter(deals::chat_id.eq_any(followed));
    }
    Ok(query.load(conn)?)
}

pub fn chat_deals(conn: &mut DbConn, chat_id: Id) -> Result<Vec<DealRecord>, StoreError> {
    to_deals(
        deal_query!()
            .filter(deals::chat_id.eq(chat_id))
            .order(deals::id)
            .load_on::<DealRow>(conn)?,
    )
}

/// Whether `stage_id` is a stage of `pipeline_id`.
pub fn is_stage_of(conn: &mut DbConn, stage_id: Id, pipeline_id: Id) -> Result<bool, StoreError> {
    let n: i64 = stages::table
        .filter(stages::id.eq(stage_id))
        .filter(stages::pipeline_id.eq(pipeline_id))
        .count()
        .get_result_on(conn)?;
    Ok(n > 0)
}

/// Holds the deal for the rest of the write transaction, so concurrent
/// edits apply one after the other and each records what it really changed
/// (SQLite's writers already take turns; PostgreSQL's read committed would
/// let both read the same "before").
pub fn lock_deal(conn: &mut DbConn, id: Id) -> Result<(), StoreError> {
    crate::store::lock_for_transaction(conn, crate::store::lock_key(&[b"deal", &id.to_be_bytes()]))
}

/// Stores a deal's facts as a rule decided them (inside the caller's
/// write transaction).
pub fn set_deal(
    conn: &mut DbConn,
    id: Id,
    facts: &DealFacts,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(deals::table.find(id))
        .set((
            deals::title.eq(&facts.title),
            deals::stage_id.eq(facts.stage_id),
            deals::amount.eq(facts.amount),
            deals::currency.eq(&facts.currency),
            deals::status.eq(facts.status.as_str()),
            deals::responsible_id.eq(facts.responsible_id),
            deals::close_note.eq(&facts.close_note),
            deals::closed_at.eq(facts.closed_at),
            deals::updated_at.eq(at),
        ))
        .execute_on(conn)?;
    Ok(())
}
