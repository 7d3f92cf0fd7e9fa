//! What the server says to people, in their language: error messages the web
//! app shows, the test message, default deal titles, and reasons stored
//! without a language (why a delivery failed or a download was refused, see
//! `crate::domain::reason`). Each request speaks the language its
//! `Accept-Language` asks for (the web app sends the one the user chose);
//! logs always read English.
//!
//! One enum of everything said, and one exhaustive match per language, so a
//! text cannot be added in one language only. The messenger's own words (a
//! refusal reason) are passed through as they came.

use std::fmt;

use shared::Id;

use crate::channels::viber::status::describe as viber_status;
use crate::domain::account::{AccountError, MIN_PASSWORD_CHARS};
use crate::domain::business_hours::HoursError;
use crate::domain::canned::{CannedError, MAX_SHORTCUT_CHARS};
use crate::domain::chat::LifecycleError;
use crate::domain::contact::{ContactError, MAX_FIELD_CHARS, MAX_NOTES_CHARS};
use crate::domain::deal::{DealError, MAX_NOTE_CHARS, MAX_TITLE_CHARS};
use crate::domain::push::PushError;
use crate::domain::reason::{MediaRefusal, Reason};
use crate::domain::snooze::SnoozeError;
use crate::domain::task::{TaskError, MAX_TITLE_CHARS as MAX_TASK_TITLE_CHARS};
use crate::domain::text::{TextError, MAX_TAGS, MAX_TAG_CHARS};
use crate::domain::whatsapp::TemplateError;

pub use shared::lang::Lang;

tokio::task_local! {
    static REQUEST_LANG: Lang;
}

/// The language of the request (or socket) being served; English elsewhere
/// (background workers, blocking threads).
pub fn current() -> Lang {
    REQUEST_LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// Runs `work` speaking `lang`.
pub async fn speaking<F: std::future::Future>(lang: Lang, work: F) -> F::Output {
    REQUEST_LANG.scope(lang, work).await
}

/// Everything the server says to people.
#[derive(Debug, Clone, PartialEq)]
pub enum Says {
    SignInFirst,
    WrongCredentials,
    TooManySignIns {
        seconds: u64,
    },
    TooBusy {
        seconds: u64,
    },
    TooManyCommands {
        seconds: u64,
    },
    TooManySockets,
    NotAllowedForRole,
    NotFound {
        what: &'static str,
    },
    SomethingWentWrong,
    DatabaseUnavailable,
    BadCursor,
    LimitTooSmall,
    NotADate {
        value: String,
    },
    NameEmpty,
    TitleEmpty,
    AmountNegative,
    PipelineNeedsStage,
    PipelineMissing {
        id: Option<Id>,
    },
    StageNotInPipeline,
    LinkTargetMissing {
        kind: &'static str,
        id: Id,
    },
    EmailTaken,
    CannotLockYourselfOut,
    UserMissing {
        id: Id,
    },
    UserDeactivated {
        id: Id,
    },
    UnknownUsers {
        ids: Vec<Id>,
    },
    FollowerNotAssignable {
        name: String,
    },
    FollowersNotInQueue {
        ids: Vec<Id>,
    },
    ManagerTwiceInQueue,
    FileEmpty,
    OnlyFailedCanBeResent,
    Text(TextError),
    Account(AccountError),
    Lifecycle(LifecycleError),
    ChannelUnavailable {
        channel: &'static str,
    },
    TokenEmpty,
    ViberWebhookOnly,
    KindCannotChange,
    MessengerRefusedToken {
        reason: String,
    },
    MessengerUnreachable {
        reason: String,
    },
    MessengerRefusedWebhook {
        url: String,
        reason: String,
    },
    CannotSwitchToPolling {
        reason: String,
    },
    NoRecipientYet,
    MessengerRefusedTestMessage {
        reason: String,
    },
    /// The text of the test message itself.
    TestMessage,
    /// The title of a deal a manager creates without one.
    NewDealTitle {
        contact: String,
    },
    ReassignTooSoon {
        min: i64,
    },
    BusinessHours(HoursError),
    CapNegative,
    Canned(CannedError),
    ShortcutTaken {
        shortcut: String,
    },
    /// A reply names both a text and a canned reply, or neither.
    ReplyTextOrCanned,
    Snooze(SnoozeError),
    UntilNotATime {
        value: String,
    },
    TooManyChats {
        max: usize,
    },
    /// A bulk action was sent without a field it needs.
    BulkFieldMissing {
        field: &'static str,
    },
    /// A report parameter that is not a `YYYY-MM-DD` date.
    ReportBadDate {
        param: &'static str,
        value: String,
    },
    ReportFromAfterTo,
    ReportRangeTooLong {
        days: i64,
    },
    UnknownTimeZone {
        value: String,
    },
    /// A report parameter with a value it cannot take.
    ReportBadValue {
        param: &'static str,
        value: String,
    },
    Deal(DealError),
    /// `stage_id` of a deal PATCH names a stage of another funnel.
    StageOfAnotherPipeline {
        stage_id: Id,
    },
    /// A funnel's stage still holds deals; the way out: move them first.
    StageNotEmpty {
        stage: String,
        deals: i64,
    },
    /// A funnel with deals, or feeding an integration, cannot be deleted.
    PipelineInUse {
        deals: i64,
        integrations: i64,
    },
    /// A stage `id` in a funnel PATCH that is not one of its stages.
    StageMissing {
        id: Id,
    },
    /// A deals filter value that is not `open`, `won` or `lost`.
    BadDealStatus {
        value: String,
    },
    /// The default funnel (new integrations' choice) stays.
    DefaultPipelineStays,
    /// A stage id given twice in a funnel PATCH.
    StageTwice {
        id: Id,
    },
    /// `reply_to_item_id` names no message of this chat.
    QuoteNotInChat {
        item_id: Id,
    },
    /// The chat's messenger has no reactions.
    NoReactionsOn {
        channel: &'static str,
    },
    /// An emoji the messenger does not take as a reaction.
    NotAReaction {
        emoji: String,
    },
    /// Reacting to a message the messenger has not got yet.
    ReactionBeforeDelivery,
    MessengerRefusedReaction {
        reason: String,
    },
    /// A follower mentioned in a chat they do not follow (they cannot see it).
    NotMentionable {
        name: String,
    },
    /// `POST /api/v1/me/notifications/read` with too many ids.
    TooManyNotificationIds {
        max: usize,
    },
    /// A comment mentioning more people than a team has.
    TooManyMentions {
        max: usize,
    },
    /// A WhatsApp integration needs this field.
    WhatsAppFieldMissing {
        field: &'static str,
    },
    /// WhatsApp's 24-hour window has closed: only a template may go.
    WindowClosed,
    /// A Telegram Business chat's reply window is over.
    BusinessWindowClosed,
    /// The Telegram Business connection is disabled or may not reply.
    BusinessConnectionDisabled,
    /// No such Telegram Business connection on this integration.
    BusinessConnectionUnknown,
    /// A business connection's owner must be an active admin or employee.
    BusinessOwnerInvalid,
    /// No approved template of this name and language.
    TemplateUnknown {
        name: String,
        language: String,
    },
    Template(TemplateError),
    WhatsAppWebhookOnly,
    Contact(ContactError),
    Task(TaskError),
    /// Channel API: the callback URL is missing or not http(s).
    CallbackUrlInvalid,
    /// Channel API only: rotating a secret, posting a test event.
    OnlyForChannelApi,
    /// Channel API: the test event could not reach the receiver.
    ReceiverUnreachable {
        reason: String,
    },
    /// A push subscription that cannot be used.
    Push(PushError),
    /// A push's body for an assignment.
    PushAssignedToYou,
    /// `POST /api/v1/push/test`: the notification's title and body.
    PushTestTitle,
    PushTestBody,
    /// A push's body for a chat that waits for a manager.
    PushWaiting,
    /// Why a delivery, a download or an update failed (stored without a
    /// language, said in the reader's).
    Failure(Reason),
}

fn spanish_hours(err: &HoursError) -> String {
    match err {
        HoursError::UnknownZone(zone) => {
            format!("business_hours.timezone: zona horaria desconocida {zone:?}")
        }
        HoursError::UnknownDay(day) => format!(
            "business_hours.days: día desconocido {day:?} (use mon, tue, wed, thu, fri, sat, sun)"
        ),
        HoursError::NotATime { field, value } => {
            format!("{field}: {value:?} no es una hora (HH:MM, de 00:00 a 24:00)")
        }
        HoursError::ClosesBeforeOpening { field } => format!("{field}: cierra antes de abrir"),
        HoursError::Overlapping { field } => format!("{field}: las franjas se solapan"),
    }
}

impl Says {
    pub fn to(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.english(),
            Lang::Es => self.spanish(),
        }
    }

    /// In the language of the request being served.
    pub fn here(&self) -> String {
        self.to(current())
    }

    fn english(&self) -> String {
        match self {
            Says::SignInFirst => "sign in first".into(),
            Says::WrongCredentials => "wrong e-mail or password".into(),
            Says::TooManySignIns { seconds } => {
                format!("too many failed sign-in attempts; try again in {seconds} s")
            }
            Says::TooBusy { seconds } => format!("too busy right now; try again in {seconds} s"),
            Says::TooManyCommands { seconds } => {
                format!("too many commands; try again in {seconds} s")
            }
            Says::TooManySockets => {
                "too many live connections for this user; close a tab or device".into()
            }
            Says::NotAllowedForRole => "not allowed for your role".into(),
            Says::NotFound { what } => format!("{what} not found"),
            Says::SomethingWentWrong => "something went wrong on our side".into(),
            Says::DatabaseUnavailable => "the database is unavailable; try again shortly".into(),
            Says::BadCursor => "bad cursor".into(),
            Says::LimitTooSmall => "limit must be at least 1".into(),
            Says::NotADate { value } => format!("{value:?} is not a date (YYYY-MM-DD or RFC 3339)"),
            Says::NameEmpty => "the name must not be empty".into(),
            Says::TitleEmpty => "the title must not be empty".into(),
            Says::AmountNegative => "the amount must be a non-negative number".into(),
            Says::PipelineNeedsStage => "a pipeline needs at least one named stage".into(),
            Says::PipelineMissing { id: Some(id) } => format!("pipeline {id} does not exist"),
            Says::PipelineMissing { id: None } => "the pipeline does not exist".into(),
            Says::StageNotInPipeline => "the stage is not in the deal's pipeline".into(),
            Says::LinkTargetMissing { kind, id } => format!("{kind} {id} does not exist"),
            Says::EmailTaken => "a user with this e-mail already exists".into(),
            Says::CannotLockYourselfOut => {
                "you cannot deactivate yourself or give up your own admin role".into()
            }
            Says::UserMissing { id } => format!("user {id} does not exist"),
            Says::UserDeactivated { id } => format!("user {id} is deactivated"),
            Says::UnknownUsers { ids } => format!("unknown users: {ids:?}"),
            Says::FollowerNotAssignable { name } => {
                format!("{name} is a follower and cannot be assigned chats")
            }
            Says::FollowersNotInQueue { ids } => {
                format!("followers cannot be in a queue (they cannot answer chats): users {ids:?}")
            }
            Says::ManagerTwiceInQueue => "a manager appears twice in the queue".into(),
            Says::FileEmpty => "the file is empty".into(),
            Says::OnlyFailedCanBeResent => "only a failed message can be sent again".into(),
            Says::Text(TextError::Empty) => "the text is empty".into(),
            Says::Text(TextError::TooLong(max)) => {
                format!("the text is longer than {max} characters")
            }
            Says::Text(TextError::BadTags) => {
                format!("tags must be 1 to {MAX_TAG_CHARS} characters, at most {MAX_TAGS} of them")
            }
            Says::Account(AccountError::BadEmail(email)) => {
                format!("{email:?} is not an e-mail address")
            }
            Says::Account(AccountError::PasswordTooShort) => {
                format!("the password must have at least {MIN_PASSWORD_CHARS} characters")
            }
            Says::Account(AccountError::PasswordTooLong) => "the password is too long".into(),
            Says::Account(AccountError::EmptyName) => "the name must not be empty".into(),
            Says::Lifecycle(LifecycleError::AlreadyClosed) => "the chat is already closed".into(),
            Says::Lifecycle(LifecycleError::AlreadyOpen) => "the chat is already open".into(),
            Says::ChannelUnavailable { channel } => {
                format!("{channel} is not available on this server")
            }
            Says::TokenEmpty => "the token must not be empty".into(),
            Says::ViberWebhookOnly => "Viber only delivers through a webhook".into(),
            Says::KindCannotChange => {
                "an integration's kind cannot change: create another one".into()
            }
            Says::MessengerRefusedToken { reason } => {
                format!("the messenger refused the token: {reason}")
            }
            Says::MessengerUnreachable { reason } => {
                format!("the messenger could not be reached: {reason}")
            }
            Says::MessengerRefusedWebhook { url, reason } => {
                format!("the messenger refused the webhook {url}: {reason}")
            }
            Says::CannotSwitchToPolling { reason } => format!("cannot switch to polling: {reason}"),
            Says::NoRecipientYet => {
                "no customer has written to this bot yet: give a recipient".into()
            }
            Says::MessengerRefusedTestMessage { reason } => {
                format!("the messenger refused the test message: {reason}")
            }
            Says::TestMessage => "Test message from Tidings: this bot can send.".into(),
            Says::NewDealTitle { contact } => format!("{contact} — new deal"),
            Says::ReassignTooSoon { min } => {
                format!("reassign_after_s must be at least {min} seconds (or null: never)")
            }
            Says::BusinessHours(err) => err.to_string(),
            Says::CapNegative => "max_open_chats must be 0 or more (or null: no cap)".into(),
            Says::Canned(CannedError::BadShortcut) => format!(
                "shortcut: 1 to {MAX_SHORTCUT_CHARS} letters, digits, '-', '_' or '.', without spaces"
            ),
            Says::ShortcutTaken { shortcut } => {
                format!("shortcut: /{shortcut} is already used by another canned reply")
            }
            Says::ReplyTextOrCanned => "give one of text, canned_reply_id or template".into(),
            Says::Snooze(SnoozeError::NotInFuture) => "until must be in the future".into(),
            Says::Snooze(SnoozeError::Closed) => "a closed chat cannot be snoozed".into(),
            Says::UntilNotATime { value } => {
                format!("until: {value:?} is not an RFC 3339 time")
            }
            Says::TooManyChats { max } => {
                format!("chat_ids: at most {max} chats in one bulk action")
            }
            Says::BulkFieldMissing { field } => format!("{field} is required for this action"),
            Says::ReportBadDate { param, value } => {
                format!("{param}: {value:?} is not a date (YYYY-MM-DD)")
            }
            Says::ReportFromAfterTo => "from: the range starts after it ends (to)".into(),
            Says::ReportRangeTooLong { days } => {
                format!("to: a report covers at most {days} days")
            }
            Says::UnknownTimeZone { value } => {
                format!("tz: {value:?} is not a known time zone (IANA name, e.g. Europe/Madrid)")
            }
            Says::ReportBadValue { param, value } => format!("{param}: {value:?} is not allowed"),
            Says::Deal(DealError::TitleEmpty) => "title must not be empty".into(),
            Says::Deal(DealError::TitleTooLong) => {
                format!("title is longer than {MAX_TITLE_CHARS} characters")
            }
            Says::Deal(DealError::AmountNegative) => "amount must be a non-negative number".into(),
            Says::Deal(DealError::UnknownCurrency(code)) => {
                format!("currency {code:?} is not an ISO 4217 code (such as EUR or USD)")
            }
            Says::Deal(DealError::NoteTooLong) => {
                format!("close_note is longer than {MAX_NOTE_CHARS} characters")
            }
            Says::StageOfAnotherPipeline { stage_id } => {
                format!("stage_id {stage_id} is not a stage of the deal's funnel")
            }
            Says::StageNotEmpty { stage, deals } => format!(
                "the stage {stage:?} still holds {deals} deal(s): move them to another stage first"
            ),
            Says::PipelineInUse {
                deals,
                integrations,
            } => format!(
                "the funnel still has {deals} deal(s) and {integrations} integration(s) use it: \
                 point those integrations at another funnel first; a funnel that holds deals \
                 stays (rename it instead)"
            ),
            Says::StageMissing { id } => format!("stages: {id} is not a stage of this funnel"),
            Says::BadDealStatus { value } => {
                format!("status {value:?} is not one of open, won, lost")
            }
            Says::DefaultPipelineStays => {
                "the default funnel cannot be deleted (rename it instead)".into()
            }
            Says::StageTwice { id } => format!("stages: stage {id} is listed twice"),
            Says::QuoteNotInChat { item_id } => {
                format!("reply_to_item_id: {item_id} is not a message of this chat")
            }
            Says::NoReactionsOn { channel } => {
                format!("reactions are not available on {channel}")
            }
            Says::NotAReaction { emoji } => format!(
                "emoji: {emoji:?} is not one of the reactions the messenger accepts \
                 (a single emoji such as 👍 ❤ 🔥 🎉)"
            ),
            Says::ReactionBeforeDelivery => {
                "this message has not reached the messenger yet: react once it is sent".into()
            }
            Says::MessengerRefusedReaction { reason } => {
                format!("the messenger did not take the reaction: {reason}")
            }
            Says::NotMentionable { name } => format!(
                "mention_ids: {name} is a follower who does not follow this chat, so they cannot see it"
            ),
            Says::TooManyNotificationIds { max } => {
                format!("ids: at most {max} at once (or send {{\"all\": true}})")
            }
            Says::TooManyMentions { max } => {
                format!("mention_ids: at most {max} people in one comment")
            }
            Says::WhatsAppFieldMissing { field } => {
                format!("{field} is required for a WhatsApp integration")
            }
            Says::WindowClosed => "more than 24 hours have passed since the customer's last \
                 message: WhatsApp only accepts an approved template now"
                .into(),
            Says::BusinessWindowClosed => "the customer has not written in the last 24 hours: \
                 Telegram Business lets the bot answer only within 24 hours of their last message"
                .into(),
            Says::BusinessConnectionDisabled => "the owner's Telegram Business connection is \
                 disabled or does not allow the bot to reply"
                .into(),
            Says::BusinessConnectionUnknown => {
                "this integration has no such Telegram Business connection".into()
            }
            Says::BusinessOwnerInvalid => {
                "the owner must be an active admin or employee (or null to unlink)".into()
            }
            Says::TemplateUnknown { name, language } => {
                format!("there is no approved template {name:?} in {language:?}")
            }
            Says::Template(TemplateError::WrongParameterCount { expected, given }) => {
                format!("the template takes {expected} values, {given} were given")
            }
            Says::Template(TemplateError::EmptyParameter { position }) => {
                format!("template value {position} is empty")
            }
            Says::WhatsAppWebhookOnly => "WhatsApp only delivers through a webhook".into(),
            Says::Contact(ContactError::NameEmpty) => "name must not be empty".into(),
            Says::Contact(ContactError::TooLong(field)) => {
                let max = match *field {
                    "notes" => MAX_NOTES_CHARS,
                    _ => MAX_FIELD_CHARS,
                };
                format!("{field} is longer than {max} characters")
            }
            Says::Contact(ContactError::PhoneWithoutDigits) => "phone has no digits".into(),
            Says::Contact(ContactError::NotAnEmail) => "email is not an e-mail address".into(),
            Says::Contact(ContactError::MergeWithItself) => {
                "other_id: a contact cannot be merged with itself".into()
            }
            Says::Task(TaskError::TitleEmpty) => "title must not be empty".into(),
            Says::Task(TaskError::TitleTooLong) => {
                format!("title is longer than {MAX_TASK_TITLE_CHARS} characters")
            }
            Says::Task(TaskError::BadDueAt(value)) => {
                format!("due_at: {value:?} is not an RFC 3339 time")
            }
            Says::CallbackUrlInvalid => {
                "callback_url: must be an absolute http or https URL".into()
            }
            Says::OnlyForChannelApi => "only Channel API integrations have this".into(),
            Says::ReceiverUnreachable { reason } => {
                format!("the callback URL could not be reached: {reason}")
            }
            Says::Push(PushError::EndpointNotUrl) => "endpoint: not a URL".into(),
            Says::Push(PushError::EndpointNotHttps) => "endpoint: must be https".into(),
            Says::Push(PushError::HostNotAllowed(host)) => {
                format!("endpoint: {host} is not an allowed push service (TIDINGS_PUSH_HOSTS)")
            }
            Says::Push(PushError::BadP256dh) => {
                "keys.p256dh: must be an uncompressed P-256 public key (65 bytes, base64url)".into()
            }
            Says::Push(PushError::BadAuth) => {
                "keys.auth: must be a 16-byte secret (base64url)".into()
            }
            Says::PushAssignedToYou => "Assigned to you".into(),
            Says::PushTestTitle => "Tidings".into(),
            Says::PushTestBody => "Notifications work on this device".into(),
            Says::PushWaiting => "Waiting for a manager".into(),
            Says::Failure(reason) => english_reason(reason),
        }
    }

    fn spanish(&self) -> String {
        match self {
            Says::SignInFirst => "inicie sesión primero".into(),
            Says::WrongCredentials => "correo o contraseña incorrectos".into(),
            Says::TooManySignIns { seconds } => {
                format!("demasiados intentos fallidos; inténtelo de nuevo en {seconds} s")
            }
            Says::TooBusy { seconds } => {
                format!("demasiada carga ahora mismo; inténtelo de nuevo en {seconds} s")
            }
            Says::TooManyCommands { seconds } => {
                format!("demasiadas órdenes; inténtelo de nuevo en {seconds} s")
            }
            Says::TooManySockets => {
                "demasiadas conexiones en vivo para este usuario; cierre una pestaña o un dispositivo"
                    .into()
            }
            Says::NotAllowedForRole => "su rol no lo permite".into(),
            Says::NotFound { what } => format!("no encontrado: {}", noun_es(what)),
            Says::SomethingWentWrong => "algo falló de nuestro lado".into(),
            Says::DatabaseUnavailable => {
                "la base de datos no está disponible; inténtelo de nuevo en breve".into()
            }
            Says::BadCursor => "cursor no válido".into(),
            Says::LimitTooSmall => "el límite debe ser al menos 1".into(),
            Says::NotADate { value } => {
                format!("{value:?} no es una fecha (AAAA-MM-DD o RFC 3339)")
            }
            Says::NameEmpty | Says::Account(AccountError::EmptyName) => {
                "el nombre no puede estar vacío".into()
            }
            Says::TitleEmpty => "el título no puede estar vacío".into(),
            Says::AmountNegative => "el importe debe ser un número no negativo".into(),
            Says::PipelineNeedsStage => "un embudo necesita al menos una etapa con nombre".into(),
            Says::PipelineMissing { id: Some(id) } => format!("el embudo {id} no existe"),
            Says::PipelineMissing { id: None } => "el embudo no existe".into(),
            Says::StageNotInPipeline => "la etapa no pertenece al embudo del trato".into(),
            Says::LinkTargetMissing { kind, id } => format!("{} {id} no existe", noun_es(kind)),
            Says::EmailTaken => "ya existe un usuario con este correo".into(),
            Says::CannotLockYourselfOut => {
                "no puede desactivarse ni quitarse su propio rol de administrador".into()
            }
            Says::UserMissing { id } => format!("el usuario {id} no existe"),
            Says::UserDeactivated { id } => format!("el usuario {id} está desactivado"),
            Says::UnknownUsers { ids } => format!("usuarios desconocidos: {ids:?}"),
            Says::FollowerNotAssignable { name } => {
                format!("{name} es seguidor y no puede recibir chats")
            }
            Says::FollowersNotInQueue { ids } => format!(
                "los seguidores no pueden estar en una cola (no pueden responder chats): usuarios {ids:?}"
            ),
            Says::ManagerTwiceInQueue => "un gestor aparece dos veces en la cola".into(),
            Says::FileEmpty => "el archivo está vacío".into(),
            Says::OnlyFailedCanBeResent => "solo un mensaje fallido puede reenviarse".into(),
            Says::Text(TextError::Empty) => "el texto está vacío".into(),
            Says::Text(TextError::TooLong(max)) => {
                format!("el texto tiene más de {max} caracteres")
            }
            Says::Text(TextError::BadTags) => format!(
                "las etiquetas deben tener de 1 a {MAX_TAG_CHARS} caracteres, como mucho {MAX_TAGS}"
            ),
            Says::Account(AccountError::BadEmail(email)) => {
                format!("{email:?} no es una dirección de correo")
            }
            Says::Account(AccountError::PasswordTooShort) => {
                format!("la contraseña debe tener al menos {MIN_PASSWORD_CHARS} caracteres")
            }
            Says::Account(AccountError::PasswordTooLong) => "la contraseña es demasiado larga".into(),
            Says::Lifecycle(LifecycleError::AlreadyClosed) => "el chat ya está cerrado".into(),
            Says::Lifecycle(LifecycleError::AlreadyOpen) => "el chat ya está abierto".into(),
            Says::ChannelUnavailable { channel } => {
                format!("{channel} no está disponible en este servidor")
            }
            Says::TokenEmpty => "el token no puede estar vacío".into(),
            Says::ViberWebhookOnly => "Viber solo entrega mediante un webhook".into(),
            Says::KindCannotChange => {
                "el tipo de una integración no puede cambiar: cree otra".into()
            }
            Says::MessengerRefusedToken { reason } => {
                format!("el mensajero rechazó el token: {reason}")
            }
            Says::MessengerUnreachable { reason } => {
                format!("no se pudo contactar con el mensajero: {reason}")
            }
            Says::MessengerRefusedWebhook { url, reason } => {
                format!("el mensajero rechazó el webhook {url}: {reason}")
            }
            Says::CannotSwitchToPolling { reason } => {
                format!("no se puede pasar a sondeo: {reason}")
            }
            Says::NoRecipientYet => {
                "ningún cliente ha escrito aún a este bot: indique un destinatario".into()
            }
            Says::MessengerRefusedTestMessage { reason } => {
                format!("el mensajero rechazó el mensaje de prueba: {reason}")
            }
            Says::TestMessage => "Mensaje de prueba de Tidings: este bot puede enviar.".into(),
            Says::NewDealTitle { contact } => format!("{contact} — nuevo trato"),
            Says::ReassignTooSoon { min } => {
                format!("reassign_after_s debe ser de al menos {min} segundos (o null: nunca)")
            }
            Says::BusinessHours(err) => spanish_hours(err),
            Says::CapNegative => {
                "max_open_chats debe ser 0 o más (o null: sin límite)".into()
            }
            Says::Canned(CannedError::BadShortcut) => format!(
                "atajo: de 1 a {MAX_SHORTCUT_CHARS} letras, cifras, '-', '_' o '.', sin espacios"
            ),
            Says::ShortcutTaken { shortcut } => {
                format!("atajo: /{shortcut} ya lo usa otra respuesta rápida")
            }
            Says::ReplyTextOrCanned => {
                "indique solo uno: text, canned_reply_id o template".into()
            }
            Says::Snooze(SnoozeError::NotInFuture) => "until debe estar en el futuro".into(),
            Says::Snooze(SnoozeError::Closed) => "un chat cerrado no puede posponerse".into(),
            Says::UntilNotATime { value } => {
                format!("until: {value:?} no es una hora RFC 3339")
            }
            Says::TooManyChats { max } => {
                format!("chat_ids: como mucho {max} chats en una acción en bloque")
            }
            Says::BulkFieldMissing { field } => {
                format!("{field} es obligatorio para esta acción")
            }
            Says::ReportBadDate { param, value } => {
                format!("{param}: {value:?} no es una fecha (AAAA-MM-DD)")
            }
            Says::ReportFromAfterTo => "from: el intervalo empieza después de terminar (to)".into(),
            Says::ReportRangeTooLong { days } => {
                format!("to: un informe abarca como máximo {days} días")
            }
            Says::UnknownTimeZone { value } => {
                format!("tz: {value:?} no es una zona horaria conocida (nombre IANA, p. ej. Europe/Madrid)")
            }
            Says::ReportBadValue { param, value } => format!("{param}: {value:?} no está permitido"),
            Says::Deal(DealError::TitleEmpty) => "el título no puede estar vacío".into(),
            Says::Deal(DealError::TitleTooLong) => {
                format!("el título supera los {MAX_TITLE_CHARS} caracteres")
            }
            Says::Deal(DealError::AmountNegative) => {
                "el importe (amount) debe ser un número no negativo".into()
            }
            Says::Deal(DealError::UnknownCurrency(code)) => {
                format!("la moneda (currency) {code:?} no es un código ISO 4217 (como EUR o USD)")
            }
            Says::Deal(DealError::NoteTooLong) => {
                format!("la nota de cierre (close_note) supera los {MAX_NOTE_CHARS} caracteres")
            }
            Says::StageOfAnotherPipeline { stage_id } => {
                format!("la etapa (stage_id) {stage_id} no pertenece al embudo del trato")
            }
            Says::StageNotEmpty { stage, deals } => format!(
                "la etapa {stage:?} aún tiene {deals} trato(s): muévalos antes a otra etapa"
            ),
            Says::PipelineInUse {
                deals,
                integrations,
            } => format!(
                "el embudo aún tiene {deals} trato(s) y lo usan {integrations} integración(es): \
                 asigne antes otro embudo a esas integraciones; un embudo con tratos se \
                 conserva (puede renombrarlo)"
            ),
            Says::StageMissing { id } => {
                format!("stages: {id} no es una etapa de este embudo")
            }
            Says::BadDealStatus { value } => {
                format!("el estado (status) {value:?} no es open, won ni lost")
            }
            Says::DefaultPipelineStays => {
                "el embudo predeterminado no se puede eliminar (puede renombrarlo)".into()
            }
            Says::StageTwice { id } => format!("stages: la etapa {id} aparece dos veces"),
            Says::QuoteNotInChat { item_id } => {
                format!("reply_to_item_id: {item_id} no es un mensaje de este chat")
            }
            Says::NoReactionsOn { channel } => {
                format!("las reacciones no están disponibles en {channel}")
            }
            Says::NotAReaction { emoji } => format!(
                "emoji: {emoji:?} no es una de las reacciones que acepta el mensajero \
                 (un solo emoji, como 👍 ❤ 🔥 🎉)"
            ),
            Says::ReactionBeforeDelivery => {
                "este mensaje aún no ha llegado al mensajero: reaccione cuando se haya enviado"
                    .into()
            }
            Says::MessengerRefusedReaction { reason } => {
                format!("el mensajero no aceptó la reacción: {reason}")
            }
            Says::NotMentionable { name } => format!(
                "mention_ids: {name} es un seguidor que no sigue este chat, así que no puede verlo"
            ),
            Says::TooManyNotificationIds { max } => {
                format!("ids: como máximo {max} a la vez (o envíe {{\"all\": true}})")
            }
            Says::TooManyMentions { max } => {
                format!("mention_ids: como máximo {max} personas en un comentario")
            }
            Says::WhatsAppFieldMissing { field } => {
                format!("{field} es obligatorio para una integración de WhatsApp")
            }
            Says::WindowClosed => "han pasado más de 24 horas desde el último mensaje del \
                 cliente: WhatsApp ahora solo acepta una plantilla aprobada"
                .into(),
            Says::BusinessWindowClosed => "el cliente no ha escrito en las últimas 24 horas: \
                 Telegram Business solo deja responder al bot durante las 24 horas siguientes a \
                 su último mensaje"
                .into(),
            Says::BusinessConnectionDisabled => "la conexión de Telegram Business del titular \
                 está desactivada o no permite responder al bot"
                .into(),
            Says::BusinessConnectionUnknown => {
                "esta integración no tiene esa conexión de Telegram Business".into()
            }
            Says::BusinessOwnerInvalid => {
                "el titular debe ser un administrador o empleado activo (o null para desvincular)"
                    .into()
            }
            Says::TemplateUnknown { name, language } => {
                format!("no hay ninguna plantilla aprobada {name:?} en {language:?}")
            }
            Says::Template(TemplateError::WrongParameterCount { expected, given }) => {
                format!("la plantilla lleva {expected} valores y se dieron {given}")
            }
            Says::Template(TemplateError::EmptyParameter { position }) => {
                format!("el valor {position} de la plantilla está vacío")
            }
            Says::WhatsAppWebhookOnly => "WhatsApp solo entrega mediante un webhook".into(),
            Says::Contact(ContactError::NameEmpty) => "el nombre (name) no puede estar vacío".into(),
            Says::Contact(ContactError::TooLong(field)) => {
                let max = match *field {
                    "notes" => MAX_NOTES_CHARS,
                    _ => MAX_FIELD_CHARS,
                };
                format!("{field} supera los {max} caracteres")
            }
            Says::Contact(ContactError::PhoneWithoutDigits) => {
                "el teléfono (phone) no tiene dígitos".into()
            }
            Says::Contact(ContactError::NotAnEmail) => {
                "email no es una dirección de correo".into()
            }
            Says::Contact(ContactError::MergeWithItself) => {
                "other_id: un contacto no se puede fusionar consigo mismo".into()
            }
            Says::Task(TaskError::TitleEmpty) => "el título no puede estar vacío".into(),
            Says::Task(TaskError::TitleTooLong) => {
                format!("el título supera los {MAX_TASK_TITLE_CHARS} caracteres")
            }
            Says::Task(TaskError::BadDueAt(value)) => {
                format!("due_at: {value:?} no es una hora RFC 3339")
            }
            Says::CallbackUrlInvalid => {
                "callback_url: debe ser una URL absoluta http o https".into()
            }
            Says::OnlyForChannelApi => "solo las integraciones Channel API tienen esto".into(),
            Says::ReceiverUnreachable { reason } => {
                format!("no se pudo contactar con la URL de retorno: {reason}")
            }
            Says::Push(PushError::EndpointNotUrl) => "endpoint: no es una URL".into(),
            Says::Push(PushError::EndpointNotHttps) => "endpoint: debe ser https".into(),
            Says::Push(PushError::HostNotAllowed(host)) => format!(
                "endpoint: {host} no es un servicio de notificaciones permitido (TIDINGS_PUSH_HOSTS)"
            ),
            Says::Push(PushError::BadP256dh) => {
                "keys.p256dh: debe ser una clave pública P-256 sin comprimir (65 bytes, base64url)"
                    .into()
            }
            Says::Push(PushError::BadAuth) => {
                "keys.auth: debe ser un secreto de 16 bytes (base64url)".into()
            }
            Says::PushAssignedToYou => "Se le asignó este chat".into(),
            Says::PushTestTitle => "Tidings".into(),
            Says::PushTestBody => "Las notificaciones funcionan en este dispositivo".into(),
            Says::PushWaiting => "Espera a un gestor".into(),
            Says::Failure(reason) => spanish_reason(reason),
        }
    }
}

/// A stored reason, in English (also what logs read).
fn english_reason(reason: &Reason) -> String {
    match reason {
        Reason::Words { words } | Reason::Messenger { words } => words.clone(),
        Reason::CustomerBlockedBot => "the customer blocked the bot".into(),
        Reason::CustomerUnsubscribed => "the customer unsubscribed".into(),
        Reason::CustomerWithoutAccount => "the customer has no account on this messenger".into(),
        Reason::CustomerUnreachable { words } => format!("customer cannot be reached: {words}"),
        Reason::TokenRevoked => "bot token revoked".into(),
        Reason::RateLimited { seconds } => {
            format!("the messenger's rate limit: retry after {seconds} s")
        }
        Reason::IntegrationDeleted => "the integration was deleted".into(),
        Reason::ChannelUnavailable { channel } => {
            format!("{channel} is not available on this server")
        }
        Reason::FileMissing => "the file to send is missing from the data directory".into(),
        Reason::GaveUp { attempts, cause } => {
            format!(
                "gave up after {attempts} attempts: {}",
                english_reason(cause)
            )
        }
        Reason::PartlyDelivered {
            cause,
            delivered,
            total,
        } => format!(
            "{} (after {delivered} of {total} parts were delivered)",
            english_reason(cause)
        ),
        Reason::NoAnswer { call } => format!("{call} did not answer in time"),
        Reason::CannotConnect { call, detail } => format!("cannot connect for {call}: {detail}"),
        Reason::CallFailed { call, detail } => format!("{call} failed: {detail}"),
        Reason::DownloadStatus { status } => format!("the download answered HTTP {status}"),
        Reason::DownloadTooSlow => "the media took too long to download".into(),
        Reason::DownloadFailed => "cannot download the media".into(),
        Reason::MediaTooLarge { max_bytes } => {
            format!("the media is larger than {max_bytes} bytes")
        }
        Reason::OverTelegramDownloadLimit { size } => {
            let size = size
                .map(|size| format!(" {size} bytes,"))
                .unwrap_or_default();
            format!(
                "the file is{size} over Telegram's 20 MB download limit for bots; \
                 ask the customer to send it another way"
            )
        }
        Reason::TelegramFileWithoutPath => {
            "Telegram gave no path for this file (it may have expired); try again later".into()
        }
        Reason::MediaLinkNotUrl => "the media link is not a URL".into(),
        Reason::MediaLinkWithoutHost => "the media link has no host".into(),
        Reason::MediaHostRefused { host, why } => {
            let why = match why {
                MediaRefusal::HttpsLinksOnly => {
                    "only https links (or the callback URL's own host and port) are fetched".into()
                }
                MediaRefusal::PrivateAddress => "a private or local address".into(),
                MediaRefusal::ResolvesOnlyToPrivate => {
                    "it resolves only to private or local addresses".into()
                }
                MediaRefusal::IpAddressOf { messenger } => {
                    format!("an IP address is not one of {messenger}'s hosts")
                }
                MediaRefusal::NotHostOf { messenger } => format!("not one of {messenger}'s hosts"),
                MediaRefusal::HttpsOnlyFor { messenger } => {
                    format!("{messenger}'s media hosts are fetched over https only")
                }
                MediaRefusal::Port443OnlyFor { messenger } => {
                    format!("{messenger}'s media hosts are fetched on port 443 only")
                }
            };
            format!("refused to fetch media from {host}: {why}")
        }
        Reason::TooManyRedirects { max } => {
            format!("refused to follow more than {max} redirects for the media")
        }
        Reason::Redirected { cause } => format!("{} (redirected)", english_reason(cause)),
        Reason::UpdateNotApplied { detail } => detail.clone(),
        Reason::ViberStatus { code, name } => {
            format!(
                "Viber: {} (status {code} {name})",
                viber_status(*code).reason
            )
        }
    }
}

/// A stored reason, in Spanish; the messenger's words stay as they came.
fn spanish_reason(reason: &Reason) -> String {
    match reason {
        Reason::Words { words } => words.clone(),
        Reason::Messenger { words } => format!("respuesta del mensajero: {words}"),
        Reason::CustomerBlockedBot => "el cliente bloqueó al bot".into(),
        Reason::CustomerUnsubscribed => "el cliente se dio de baja".into(),
        Reason::CustomerWithoutAccount => "el cliente no tiene cuenta en este mensajero".into(),
        Reason::CustomerUnreachable { words } => {
            format!("no se puede contactar con el cliente: {words}")
        }
        Reason::TokenRevoked => "el token del bot fue revocado".into(),
        Reason::RateLimited { seconds } => {
            format!("límite de envíos del mensajero: reintentar en {seconds} s")
        }
        Reason::IntegrationDeleted => "la integración fue eliminada".into(),
        Reason::ChannelUnavailable { channel } => {
            format!("{channel} no está disponible en este servidor")
        }
        Reason::FileMissing => "el archivo a enviar falta en el directorio de datos".into(),
        Reason::GaveUp { attempts, cause } => {
            format!(
                "se abandonó tras {attempts} intentos: {}",
                spanish_reason(cause)
            )
        }
        Reason::PartlyDelivered {
            cause,
            delivered,
            total,
        } => format!(
            "{} (después de entregar {delivered} de {total} partes)",
            spanish_reason(cause)
        ),
        Reason::NoAnswer { call } => format!("{call} no respondió a tiempo"),
        Reason::CannotConnect { call, detail } => {
            format!("no se pudo conectar para {call}: {detail}")
        }
        Reason::CallFailed { call, detail } => format!("{call} falló: {detail}"),
        Reason::DownloadStatus { status } => format!("la descarga respondió HTTP {status}"),
        Reason::DownloadTooSlow => "la descarga del archivo tardó demasiado".into(),
        Reason::DownloadFailed => "no se pudo descargar el archivo".into(),
        Reason::MediaTooLarge { max_bytes } => {
            format!("el archivo supera los {max_bytes} bytes")
        }
        Reason::OverTelegramDownloadLimit { size } => {
            let size = size
                .map(|size| format!(" ({size} bytes)"))
                .unwrap_or_default();
            format!(
                "el archivo{size} supera el límite de descarga de 20 MB de Telegram para bots; \
                 pida al cliente que lo envíe de otra forma"
            )
        }
        Reason::TelegramFileWithoutPath => {
            "Telegram no dio la ruta de este archivo (puede haber caducado); inténtelo más tarde"
                .into()
        }
        Reason::MediaLinkNotUrl => "el enlace del archivo no es una URL".into(),
        Reason::MediaLinkWithoutHost => "el enlace del archivo no tiene host".into(),
        Reason::MediaHostRefused { host, why } => {
            let why = match why {
                MediaRefusal::HttpsLinksOnly => {
                    "solo se descargan enlaces https (o del host y puerto de la URL de retorno)"
                        .into()
                }
                MediaRefusal::PrivateAddress => "es una dirección privada o local".into(),
                MediaRefusal::ResolvesOnlyToPrivate => {
                    "solo resuelve a direcciones privadas o locales".into()
                }
                MediaRefusal::IpAddressOf { messenger } => {
                    format!("una dirección IP no es uno de los hosts de {messenger}")
                }
                MediaRefusal::NotHostOf { messenger } => {
                    format!("no es uno de los hosts de {messenger}")
                }
                MediaRefusal::HttpsOnlyFor { messenger } => {
                    format!("los archivos de {messenger} solo se descargan por https")
                }
                MediaRefusal::Port443OnlyFor { messenger } => {
                    format!("los archivos de {messenger} solo se descargan del puerto 443")
                }
            };
            format!("se rechazó descargar el archivo de {host}: {why}")
        }
        Reason::TooManyRedirects { max } => {
            format!("se rechazó seguir más de {max} redirecciones para el archivo")
        }
        Reason::Redirected { cause } => {
            format!("{} (tras una redirección)", spanish_reason(cause))
        }
        Reason::UpdateNotApplied { detail } => {
            format!("no se pudo aplicar la actualización: {detail}")
        }
        Reason::ViberStatus { code, name } => format!(
            "Viber: {} (estado {code} {name})",
            viber_status(*code).reason_es
        ),
    }
}

/// A stored reason (or older stored words), in `lang`.
pub fn stored_reason(stored: &str, lang: Lang) -> String {
    Says::Failure(Reason::from_stored(stored)).to(lang)
}

/// Logs (and errors that end up in them) read English.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&english_reason(self))
    }
}

/// The things a "not found" names, in Spanish.
fn noun_es(what: &str) -> &str {
    match what {
        "chat" => "chat",
        "integration" => "integración",
        "contact" => "contacto",
        "user" => "usuario",
        "pipeline" => "embudo",
        "deal" => "trato",
        "task" => "tarea",
        "project" => "proyecto",
        "attachment" => "archivo adjunto",
        "message" => "mensaje",
        "comment" => "comentario",
        "record" => "registro",
        "canned reply" => "respuesta rápida",
        other => other,
    }
}

/// Logs read English.
impl fmt::Display for Says {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_follow_the_language_and_logs_stay_english() {
        let said = Says::FollowerNotAssignable {
            name: "Fiona".into(),
        };
        assert_eq!(
            said.to(Lang::En),
            "Fiona is a follower and cannot be assigned chats"
        );
        assert_eq!(
            said.to(Lang::Es),
            "Fiona es seguidor y no puede recibir chats"
        );
        assert_eq!(said.to_string(), said.to(Lang::En));
        assert_eq!(
            Says::NotFound {
                what: "integration"
            }
            .to(Lang::Es),
            "no encontrado: integración"
        );
    }

    #[test]
    fn stored_reasons_are_said_in_each_language() {
        let viber = || "Viber".to_owned();
        let table: Vec<(Reason, &str, &str)> = vec![
            (
                Reason::words("Bad Request: chat not found"),
                "Bad Request: chat not found",
                "Bad Request: chat not found",
            ),
            (
                Reason::Messenger {
                    words: "Bad Request: chat not found".into(),
                },
                "Bad Request: chat not found",
                "respuesta del mensajero: Bad Request: chat not found",
            ),
            (
                Reason::CustomerBlockedBot,
                "the customer blocked the bot",
                "el cliente bloqueó al bot",
            ),
            (
                Reason::NoAnswer {
                    call: "sendMessage".into(),
                }
                .gave_up(12),
                "gave up after 12 attempts: sendMessage did not answer in time",
                "se abandonó tras 12 intentos: sendMessage no respondió a tiempo",
            ),
            (
                Reason::ChannelUnavailable {
                    channel: "viber".into(),
                },
                "viber is not available on this server",
                "viber no está disponible en este servidor",
            ),
            (
                Reason::PartlyDelivered {
                    cause: Box::new(Reason::TokenRevoked),
                    delivered: 1,
                    total: 3,
                },
                "bot token revoked (after 1 of 3 parts were delivered)",
                "el token del bot fue revocado (después de entregar 1 de 3 partes)",
            ),
            (
                Reason::MediaHostRefused {
                    host: "10.0.0.1".into(),
                    why: MediaRefusal::IpAddressOf { messenger: viber() },
                },
                "refused to fetch media from 10.0.0.1: an IP address is not one of Viber's hosts",
                "se rechazó descargar el archivo de 10.0.0.1: una dirección IP no es uno de los \
                 hosts de Viber",
            ),
            (
                Reason::Redirected {
                    cause: Box::new(Reason::MediaHostRefused {
                        host: "example.org".into(),
                        why: MediaRefusal::NotHostOf { messenger: viber() },
                    }),
                },
                "refused to fetch media from example.org: not one of Viber's hosts (redirected)",
                "se rechazó descargar el archivo de example.org: no es uno de los hosts de Viber \
                 (tras una redirección)",
            ),
            (
                Reason::ViberStatus {
                    code: 6,
                    name: "receiverNotSubscribed".into(),
                },
                "Viber: the customer has unsubscribed from the bot or never subscribed \
                 (status 6 receiverNotSubscribed)",
                "Viber: el cliente se dio de baja del bot o nunca se suscribió \
                 (estado 6 receiverNotSubscribed)",
            ),
            (
                Reason::DownloadStatus { status: 404 },
                "the download answered HTTP 404",
                "la descarga respondió HTTP 404",
            ),
            (
                Reason::UpdateNotApplied {
                    detail: "simulated failure".into(),
                },
                "simulated failure",
                "no se pudo aplicar la actualización: simulated failure",
            ),
        ];
        for (reason, english, spanish) in table {
            let stored = reason.stored();
            assert_eq!(stored_reason(&stored, Lang::En), english, "{stored}");
            assert_eq!(stored_reason(&stored, Lang::Es), spanish, "{stored}");
            assert_eq!(reason.to_string(), english, "logs read English");
        }
    }

    #[test]
    fn an_older_stored_sentence_reads_as_it_was_written() {
        let old = "gave up after 12 attempts: Telegram did not answer in time";
        assert_eq!(stored_reason(old, Lang::Es), old);
        assert_eq!(stored_reason(old, Lang::En), old);
    }

    #[tokio::test]
    async fn the_language_holds_within_a_request_and_nowhere_else() {
        assert_eq!(current(), Lang::En);
        let inside = speaking(Lang::Es, async { Says::TestMessage.here() }).await;
        assert_eq!(
            inside,
            "Mensaje de prueba de Tidings: este bot puede enviar."
        );
        assert_eq!(
            Says::TestMessage.here(),
            "Test message from Tidings: this bot can send."
        );
    }
}
