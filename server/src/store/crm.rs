//! The small CRM: customers and contacts, pipelines and stages, deals, tasks,
//! projects, chat links and comments.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::api::crm::LinkKind;
use shared::api::Channel;
use shared::Id;

use super::schema::{
    chat_links, comments, contacts, customer_identities, customers, deals, pipelines, projects,
    stages, tasks,
};
use super::{now, DbConn, StoreError};
use crate::channels::CustomerProfile;

// ---- customers and contacts ------------------------------------------------

/// A customer found by their messenger identity, or created with a contact.
pub struct CustomerRef {
    pub customer_id: Id,
    pub contact_id: Id,
    pub created: bool,
}

pub fn find_or_create_customer(
    conn: &mut DbConn,
    channel: Channel,
    profile: &CustomerProfile,
) -> Result<CustomerRef, StoreError> {
    let existing: Option<(Id, Id, KnownProfile)> = customer_identities::table
        .inner_join(customers::table.inner_join(contacts::table))
        .filter(customer_identities::channel.eq(channel.as_str()))
        .filter(customer_identities::external_id.eq(&profile.external_id))
        .select((
            customers::id,
            customers::contact_id,
            (
                contacts::username,
                contacts::language,
                contacts::country,
                contacts::avatar_url,
            ),
        ))
        .first(conn)
        .optional()?;
    if let Some((customer_id, contact_id, known)) = existing {
        refresh_contact(conn, contact_id, &known, profile)?;
        return Ok(CustomerRef {
            customer_id,
            contact_id,
            created: false,
        });
    }
    let at = now();
    let name = if profile.name.trim().is_empty() {
        profile
            .username
            .clone()
            .unwrap_or_else(|| format!("{} user {}", channel.as_str(), profile.external_id))
    } else {
        profile.name.trim().to_owned()
    };
    let contact_id: Id = diesel::insert_into(contacts::table)
        .values((
            contacts::name.eq(&name),
            contacts::username.eq(&profile.username),
            contacts::language.eq(&profile.language),
            contacts::country.eq(&profile.country),
            contacts::avatar_url.eq(&profile.avatar_url),
            contacts::created_at.eq(at),
        ))
        .returning(contacts::id)
        .get_result(conn)?;
    let customer_id: Id = diesel::insert_into(customers::table)
        .values((
            customers::contact_id.eq(contact_id),
            customers::created_at.eq(at),
        ))
        .returning(customers::id)
        .get_result(conn)?;
    diesel::insert_into(customer_identities::table)
        .values((
            customer_identities::customer_id.eq(customer_id),
            customer_identities::channel.eq(channel.as_str()),
            customer_identities::external_id.eq(&profile.external_id),
            customer_identities::display_name.eq(&name),
            customer_identities::username.eq(&profile.username),
            customer_identities::language.eq(&profile.language),
            customer_identities::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(CustomerRef {
        customer_id,
        contact_id,
        created: true,
    })
}

/// Fills in what the messenger now tells us and the contact still lacks; never
/// overwrites what a manager may have edited.
fn refresh_contact(
    conn: &mut DbConn,
    contact_id: Id,
    known: &KnownProfile,
    profile: &CustomerProfile,
) -> Result<(), StoreError> {
    let fill = ContactFill::between(known, profile);
    if !fill.is_empty() {
        diesel::update(contacts::table.find(contact_id))
            .set(&fill)
            .execute(conn)?;
    }
    Ok(())
}

/// What a contact already has of the profile fields a messenger sends:
/// username, language, country, avatar.
type KnownProfile = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The profile fields a message brings that the contact lacks (username,
/// language, country: filled once, a manager's edits win) or that changed
/// (the avatar: messengers hand out new links). Usually nothing, and then no
/// statement runs.
#[derive(AsChangeset, Default)]
#[diesel(table_name = contacts)]
struct ContactFill<'a> {
    username: Option<&'a str>,
    language: Option<&'a str>,
    country: Option<&'a str>,
    avatar_url: Option<&'a str>,
}

impl<'a> ContactFill<'a> {
    fn between(known: &KnownProfile, profile: &'a CustomerProfile) -> ContactFill<'a> {
        let (username, language, country, avatar_url) = known;
        let missing = |current: &Option<String>, offered: &'a Option<String>| {
            current.is_none().then_some(offered.as_deref()).flatten()
        };
        ContactFill {
            username: missing(username, &profile.username),
            language: missing(language, &profile.language),
            country: missing(country, &profile.country),
            avatar_url: profile
                .avatar_url
                .as_deref()
                .filter(|offered| avatar_url.as_deref() != Some(*offered)),
        }
    }

    fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.language.is_none()
            && self.country.is_none()
            && self.avatar_url.is_none()
    }
}

/// The customer's id on a messenger.
pub fn find_identity(
    conn: &mut DbConn,
    customer_id: Id,
    channel: Channel,
) -> Result<Option<String>, StoreError> {
    Ok(customer_identities::table
        .filter(customer_identities::customer_id.eq(customer_id))
        .filter(customer_identities::channel.eq(channel.as_str()))
        .select(customer_identities::external_id)
        .first(conn)
        .optional()?)
}

pub fn find_customer_by_identity(
    conn: &mut DbConn,
    channel: Channel,
    external_id: &str,
) -> Result<Option<Id>, StoreError> {
    Ok(customer_identities::table
        .filter(customer_identities::channel.eq(channel.as_str()))
        .filter(customer_identities::external_id.eq(external_id))
        .select(customer_identities::customer_id)
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ContactRecord {
    pub id: Id,
    pub name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find_contact(conn: &mut DbConn, id: Id) -> Result<ContactRecord, StoreError> {
    Ok(contacts::table.find(id).first(conn)?)
}

/// Whether the user follows a chat of this contact (what lets a follower see it).
pub fn is_contact_followed_by(
    conn: &mut DbConn,
    contact_id: Id,
    user_id: Id,
) -> Result<bool, StoreError> {
    use super::schema::{chat_followers, chats};
    let n: i64 = chats::table
        .inner_join(chat_followers::table)
        .filter(chats::contact_id.eq(contact_id))
        .filter(chat_followers::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---- pipelines and deals ---------------------------------------------------

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
        .load(conn)?;
    let all_stages: Vec<(Id, Id, String)> = stages::table
        .order((stages::pipeline_id, stages::position))
        .select((stages::pipeline_id, stages::id, stages::name))
        .load(conn)?;
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
        .first(conn)?)
}

pub fn insert_pipeline(
    conn: &mut DbConn,
    name: &str,
    stage_names: &[String],
) -> Result<PipelineRecord, StoreError> {
    conn.transaction(|conn| {
        let id: Id = diesel::insert_into(pipelines::table)
            .values((
                pipelines::name.eq(name),
                pipelines::is_default.eq(false),
                pipelines::created_at.eq(now()),
            ))
            .returning(pipelines::id)
            .get_result(conn)?;
        for (position, stage) in (0i32..).zip(stage_names) {
            diesel::insert_into(stages::table)
                .values((
                    stages::pipeline_id.eq(id),
                    stages::name.eq(stage),
                    stages::position.eq(position),
                ))
                .execute(conn)?;
        }
        find_pipeline(conn, id)
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct DealRecord {
    pub id: Id,
    pub title: String,
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub stage_name: String,
    pub contact_id: Id,
    pub chat_id: Option<Id>,
    pub amount: Option<f64>,
    pub created_at: NaiveDateTime,
}

type DealRow = (
    Id,
    String,
    Id,
    Id,
    String,
    Id,
    Option<Id>,
    Option<f64>,
    NaiveDateTime,
);

type DealColumns = (
    deals::id,
    deals::title,
    deals::pipeline_id,
    deals::stage_id,
    stages::name,
    deals::contact_id,
    deals::chat_id,
    deals::amount,
    deals::created_at,
);
type DealQuery =
    diesel::dsl::Select<diesel::dsl::InnerJoin<deals::table, stages::table>, DealColumns>;

fn deal_query() -> DealQuery {
    deals::table.inner_join(stages::table).select((
        deals::id,
        deals::title,
        deals::pipeline_id,
        deals::stage_id,
        stages::name,
        deals::contact_id,
        deals::chat_id,
        deals::amount,
        deals::created_at,
    ))
}

fn to_deal(row: DealRow) -> DealRecord {
    DealRecord {
        id: row.0,
        title: row.1,
        pipeline_id: row.2,
        stage_id: row.3,
        stage_name: row.4,
        contact_id: row.5,
        chat_id: row.6,
        amount: row.7,
        created_at: row.8,
    }
}

/// A new deal in the pipeline's first stage.
pub fn insert_deal(
    conn: &mut DbConn,
    pipeline_id: Id,
    contact_id: Id,
    chat_id: Option<Id>,
    title: &str,
) -> Result<DealRecord, StoreError> {
    let first_stage: Id = stages::table
        .filter(stages::pipeline_id.eq(pipeline_id))
        .order(stages::position)
        .select(stages::id)
        .first(conn)?;
    let id: Id = diesel::insert_into(deals::table)
        .values((
            deals::pipeline_id.eq(pipeline_id),
            deals::stage_id.eq(first_stage),
            deals::contact_id.eq(contact_id),
            deals::chat_id.eq(chat_id),
            deals::title.eq(title),
            deals::created_at.eq(now()),
        ))
        .returning(deals::id)
        .get_result(conn)?;
    find_deal(conn, id)
}

pub fn find_deal(conn: &mut DbConn, id: Id) -> Result<DealRecord, StoreError> {
    Ok(to_deal(deal_query().filter(deals::id.eq(id)).first(conn)?))
}

pub fn list_deals(
    conn: &mut DbConn,
    pipeline_id: Option<Id>,
) -> Result<Vec<DealRecord>, StoreError> {
    let mut query = deal_query().into_boxed();
    if let Some(pipeline_id) = pipeline_id {
        query = query.filter(deals::pipeline_id.eq(pipeline_id));
    }
    Ok(query
        .order(deals::id.desc())
        .limit(500)
        .load::<DealRow>(conn)?
        .into_iter()
        .map(to_deal)
        .collect())
}

pub fn chat_deals(conn: &mut DbConn, chat_id: Id) -> Result<Vec<DealRecord>, StoreError> {
    Ok(deal_query()
        .filter(deals::chat_id.eq(chat_id))
        .order(deals::id)
        .load::<DealRow>(conn)?
        .into_iter()
        .map(to_deal)
        .collect())
}

pub struct DealChanges {
    pub title: Option<String>,
    pub stage_id: Option<Id>,
    pub amount: Option<f64>,
}

pub fn update_deal(
    conn: &mut DbConn,
    id: Id,
    changes: DealChanges,
) -> Result<DealRecord, StoreError> {
    conn.transaction(|conn| {
        let deal = find_deal(conn, id)?;
        if let Some(stage_id) = changes.stage_id {
            let in_pipeline: i64 = stages::table
                .filter(stages::id.eq(stage_id))
                .filter(stages::pipeline_id.eq(deal.pipeline_id))
                .count()
                .get_result(conn)?;
            if in_pipeline == 0 {
                return Err(StoreError::Conflict(
                    "the stage is not in the deal's pipeline".into(),
                ));
            }
            diesel::update(deals::table.find(id))
                .set(deals::stage_id.eq(stage_id))
                .execute(conn)?;
        }
        if let Some(title) = changes.title {
            diesel::update(deals::table.find(id))
                .set(deals::title.eq(title))
                .execute(conn)?;
        }
        if let Some(amount) = changes.amount {
            diesel::update(deals::table.find(id))
                .set(deals::amount.eq(amount))
                .execute(conn)?;
        }
        find_deal(conn, id)
    })
}

// ---- tasks, projects and links ---------------------------------------------

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TaskRecord {
    pub id: Id,
    pub title: String,
    pub done: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ProjectRecord {
    pub id: Id,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_task(conn: &mut DbConn, title: &str, by: Id) -> Result<TaskRecord, StoreError> {
    let id: Id = diesel::insert_into(tasks::table)
        .values((
            tasks::title.eq(title),
            tasks::done.eq(false),
            tasks::created_by.eq(by),
            tasks::created_at.eq(now()),
        ))
        .returning(tasks::id)
        .get_result(conn)?;
    Ok(tasks::table
        .find(id)
        .select((tasks::id, tasks::title, tasks::done, tasks::created_at))
        .first(conn)?)
}

pub fn list_tasks(conn: &mut DbConn) -> Result<Vec<TaskRecord>, StoreError> {
    Ok(tasks::table
        .order(tasks::id.desc())
        .limit(500)
        .select((tasks::id, tasks::title, tasks::done, tasks::created_at))
        .load(conn)?)
}

pub fn insert_project(conn: &mut DbConn, name: &str, by: Id) -> Result<ProjectRecord, StoreError> {
    let id: Id = diesel::insert_into(projects::table)
        .values((
            projects::name.eq(name),
            projects::created_by.eq(by),
            projects::created_at.eq(now()),
        ))
        .returning(projects::id)
        .get_result(conn)?;
    Ok(projects::table
        .find(id)
        .select((projects::id, projects::name, projects::created_at))
        .first(conn)?)
}

pub fn list_projects(conn: &mut DbConn) -> Result<Vec<ProjectRecord>, StoreError> {
    Ok(projects::table
        .order(projects::id.desc())
        .limit(500)
        .select((projects::id, projects::name, projects::created_at))
        .load(conn)?)
}

pub fn link_target_exists(conn: &mut DbConn, kind: LinkKind, id: Id) -> Result<bool, StoreError> {
    let n: i64 = match kind {
        LinkKind::Task => tasks::table
            .filter(tasks::id.eq(id))
            .count()
            .get_result(conn)?,
        LinkKind::Project => projects::table
            .filter(projects::id.eq(id))
            .count()
            .get_result(conn)?,
    };
    Ok(n > 0)
}

/// Links a chat to a task or project; `false` if it already was.
pub fn insert_link(
    conn: &mut DbConn,
    chat_id: Id,
    kind: LinkKind,
    target_id: Id,
) -> Result<bool, StoreError> {
    let exists: i64 = chat_links::table
        .filter(chat_links::chat_id.eq(chat_id))
        .filter(chat_links::kind.eq(kind.as_str()))
        .filter(chat_links::target_id.eq(target_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(chat_links::table)
        .values((
            chat_links::chat_id.eq(chat_id),
            chat_links::kind.eq(kind.as_str()),
            chat_links::target_id.eq(target_id),
            chat_links::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(true)
}

/// `false` if there was no such link.
pub fn delete_link(
    conn: &mut DbConn,
    chat_id: Id,
    kind: LinkKind,
    target_id: Id,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        chat_links::table
            .filter(chat_links::chat_id.eq(chat_id))
            .filter(chat_links::kind.eq(kind.as_str()))
            .filter(chat_links::target_id.eq(target_id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

pub fn chat_tasks(conn: &mut DbConn, chat_id: Id) -> Result<Vec<TaskRecord>, StoreError> {
    Ok(tasks::table
        .filter(
            tasks::id.eq_any(
                chat_links::table
                    .filter(chat_links::chat_id.eq(chat_id))
                    .filter(chat_links::kind.eq("task"))
                    .select(chat_links::target_id),
            ),
        )
        .order(tasks::id)
        .select((tasks::id, tasks::title, tasks::done, tasks::created_at))
        .load(conn)?)
}

pub fn chat_projects(conn: &mut DbConn, chat_id: Id) -> Result<Vec<ProjectRecord>, StoreError> {
    Ok(projects::table
        .filter(
            projects::id.eq_any(
                chat_links::table
                    .filter(chat_links::chat_id.eq(chat_id))
                    .filter(chat_links::kind.eq("project"))
                    .select(chat_links::target_id),
            ),
        )
        .order(projects::id)
        .select((projects::id, projects::name, projects::created_at))
        .load(conn)?)
}

// ---- comments ----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct CommentRecord {
    pub id: Id,
    pub chat_id: Id,
    pub author_id: Id,
    pub text: String,
    pub at: NaiveDateTime,
}

pub fn insert_comment(
    conn: &mut DbConn,
    chat_id: Id,
    author_id: Id,
    text: &str,
) -> Result<CommentRecord, StoreError> {
    let id: Id = diesel::insert_into(comments::table)
        .values((
            comments::chat_id.eq(chat_id),
            comments::author_id.eq(author_id),
            comments::text.eq(text),
            comments::at.eq(now()),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    Ok(comments::table.find(id).first(conn)?)
}

pub fn list_comments(conn: &mut DbConn, chat_id: Id) -> Result<Vec<CommentRecord>, StoreError> {
    Ok(comments::table
        .filter(comments::chat_id.eq(chat_id))
        .order(comments::id)
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(username: Option<&str>, avatar: Option<&str>) -> CustomerProfile {
        CustomerProfile {
            external_id: "42".into(),
            name: "Ana".into(),
            username: username.map(str::to_owned),
            language: Some("es".into()),
            country: None,
            avatar_url: avatar.map(str::to_owned),
        }
    }

    #[test]
    fn a_contact_that_knows_everything_needs_no_update() {
        let known = (
            Some("ana".to_owned()),
            Some("pt".to_owned()),
            None,
            Some("https://a/1.jpg".to_owned()),
        );
        let offered = profile(Some("ana_new"), Some("https://a/1.jpg"));
        assert!(ContactFill::between(&known, &offered).is_empty());
    }

    #[test]
    fn missing_fields_are_filled_and_a_new_avatar_replaces_the_old() {
        let known = (
            None,
            Some("pt".to_owned()),
            None,
            Some("https://a/1.jpg".to_owned()),
        );
        let offered = profile(Some("ana"), Some("https://a/2.jpg"));
        let fill = ContactFill::between(&known, &offered);
        assert_eq!(fill.username, Some("ana"));
        assert_eq!(fill.language, None, "a known language is kept");
        assert_eq!(fill.country, None, "nothing offered");
        assert_eq!(fill.avatar_url, Some("https://a/2.jpg"));
    }
}
