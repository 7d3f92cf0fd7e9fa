//! Every user-facing string of the web app, per language. Screens ask for a [`Key`]; they never
//! hold literal text. Adding a language: a [`Lang`] variant plus one `fn xx(key) -> &str`;
//! the exhaustive matches make the compiler list every missing string. The language comes
//! from the browser (or the user's choice, kept in local storage).

use leptos::prelude::*;
use shared::api::users::Role;

use crate::state::stored;

const LANG_KEY: &str = "tidings.lang";

/// A language the interface is available in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 code (also used for dates and numbers).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// From a code such as `es` or `es-AR`.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The saved choice, else the browser's preferred languages, else English.
    pub fn detect() -> Lang {
        if let Some(lang) = stored::get(LANG_KEY).as_deref().and_then(Lang::parse) {
            return lang;
        }
        let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
            return Lang::default();
        };
        navigator
            .languages()
            .iter()
            .filter_map(|value| value.as_string())
            .chain(navigator.language())
            .find_map(|code| Lang::parse(&code))
            .unwrap_or_default()
    }
}

/// One piece of interface text. Some contain `{placeholders}` for [`I18n::fill`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    // General.
    AppName,
    Loading,
    Retry,
    NetworkError,
    ServerError,
    UnexpectedError,
    NotAllowed,
    NotFoundOrHidden,
    SessionCheckFailed,
    Save,
    Saving,
    Saved,
    Cancel,
    Delete,
    Add,
    Remove,
    Show,
    Hide,
    Name,
    Email,
    Password,
    Status,
    Actions,
    Any,
    LoadMore,
    NothingFound,
    Search,
    // Sign-in.
    SignInTitle,
    SignInSubtitle,
    SignIn,
    SigningIn,
    WrongCredentials,
    TooManyAttempts,
    // Shell.
    MainNavigation,
    SignOut,
    CustomerSimulator,
    SignOutFailed,
    RoleAdmin,
    RoleEmployee,
    RoleFollower,
    Clients,
    Archive,
    Settings,
    UserMenu,
    LanguageLabel,
    NotificationsOn,
    NotificationsAsk,
    NotificationsBlocked,
    EnableNotifications,
    Connecting,
    Live,
    Reconnecting,
    RetryNow,
    ReloadNeeded,
    Reload,
    NotFoundTitle,
    NotFoundText,
    BackHome,
    // Inbox.
    GroupMine,
    GroupUnassigned,
    GroupOthers,
    GroupClosed,
    UnreadMessages,
    NoChatsInGroup,
    Unassigned,
    StatusOpen,
    StatusClosed,
    ChooseChatTitle,
    ChooseChatText,
    // Chat view.
    ChatUnavailable,
    BackToList,
    ChatActions,
    CloseChat,
    ReopenChat,
    SearchInChat,
    Details,
    ToggleInfo,
    OpenInNewTab,
    CloseWindow,
    NotificationsForChat,
    Responsible,
    Nobody,
    Followers,
    NoFollowers,
    IsTyping,
    ReadOnlyNotice,
    CannotReceive,
    ReplyLabel,
    ReplyPlaceholder,
    ComposerHint,
    Send,
    Sending,
    Conversation,
    StartOfConversation,
    JumpToLatest,
    System,
    AutoGreeting,
    AutoReply,
    AutomaticMessage,
    Edited,
    EarlierVersions,
    DeliveryPending,
    DeliverySent,
    DeliveryDelivered,
    DeliverySeen,
    DeliveryFailed,
    RetrySend,
    AttachmentUnavailable,
    AttachFile,
    RemoveFile,
    Location,
    ForwardedFrom,
    // Timeline events.
    EvOpened,
    EvOpenedReferral,
    EvAssigned,
    EvUnassigned,
    ReasonNextInQueue,
    ReasonReturningCustomer,
    ReasonPreviousInactive,
    ReasonQueueEmpty,
    ReasonManual,
    ReasonTookByReplying,
    ReasonNoEligible,
    ReasonWaitingQueue,
    ReasonNoAnswer,
    ReasonBusinessOwner,
    EvClosed,
    EvReopened,
    EvReopenedCustomer,
    EvReopenedReply,
    EvFollowersChanged,
    EvFollowersAdded,
    EvFollowersRemoved,
    EvTagsChanged,
    EvTagsCleared,
    EvDealCreated,
    EvLinked,
    EvUnlinked,
    LinkedTask,
    LinkedProject,
    EvBlocked,
    EvUnblocked,
    EvSubscribed,
    EvUnsubscribed,
    EvSnoozed,
    EvUnsnoozedTime,
    EvUnsnoozedCustomer,
    EvUnsnoozedManual,
    EvDealChanged,
    EvTaskChanged,
    EvContactsMerged,
    EvWindowClosed,
    // Info panel.
    ChatInfo,
    Deals,
    NoDeals,
    CreateAnotherDeal,
    Stage,
    Amount,
    Contact,
    Username,
    Phone,
    Language,
    Country,
    ChatDetails,
    Started,
    LastMessage,
    SourceBot,
    Channel,
    Referral,
    Tags,
    NoTags,
    AddTag,
    RemoveTag,
    Relations,
    Tasks,
    Projects,
    NoTasks,
    NoProjects,
    LinkExisting,
    Link,
    Unlink,
    NewTask,
    NewProject,
    CreateAndLink,
    Comments,
    NoComments,
    AddComment,
    CommentPlaceholder,
    // Archive.
    SearchText,
    Manager,
    Tag,
    FromDate,
    ToDate,
    ResetFilters,
    // Settings.
    AdminsOnly,
    Integrations,
    Users,
    Pipelines,
    AddIntegration,
    EditIntegration,
    NoIntegrations,
    Messenger,
    Token,
    Delivery,
    DeliveryAuto,
    DeliveryWebhook,
    DeliveryPolling,
    SalesFunnel,
    DefaultPipeline,
    Queue,
    QueueHelp,
    QueueEmpty,
    AddToQueue,
    ChooseManager,
    MoveUp,
    MoveDown,
    NextInQueue,
    QueueNobodyNext,
    GreetingText,
    GreetingHelp,
    AutoReplyText,
    AutoReplyHelp,
    WebhookUrl,
    ConfirmDeleteIntegration,
    Role,
    Active,
    Inactive,
    Activate,
    Deactivate,
    AddUser,
    AddPipeline,
    StagesOnePerLine,
}

/// The text for `key` in `lang`.
pub fn t(lang: Lang, key: Key) -> &'static str {
    match lang {
        Lang::En => en(key),
        Lang::Es => es(key),
    }
}

/// The label of a role.
pub fn role_key(role: Role) -> Key {
    match role {
        Role::Admin => Key::RoleAdmin,
        Role::Employee => Key::RoleEmployee,
        Role::Follower => Key::RoleFollower,
    }
}

fn en(key: Key) -> &'static str {
    match key {
        // General.
        Key::AppName => "Tidings",
        Key::Loading => "Loading…",
        Key::Retry => "Try again",
        Key::NetworkError => "Cannot reach the server. Check your connection and try again.",
        Key::ServerError => "The server ran into a problem. Try again shortly.",
        Key::UnexpectedError => "Something went wrong.",
        Key::NotAllowed => "Your role may not do this.",
        Key::NotFoundOrHidden => "It does not exist, or you cannot see it.",
        Key::SessionCheckFailed => "Could not check whether you are signed in.",
        Key::Save => "Save",
        Key::Saving => "Saving…",
        Key::Saved => "Saved.",
        Key::Cancel => "Cancel",
        Key::Delete => "Delete",
        Key::Add => "Add",
        Key::Remove => "Remove",
        Key::Show => "Show",
        Key::Hide => "Hide",
        Key::Name => "Name",
        Key::Email => "E-mail",
        Key::Password => "Password",
        Key::Status => "Status",
        Key::Actions => "Actions",
        Key::Any => "Any",
        Key::LoadMore => "Load more",
        Key::NothingFound => "Nothing found.",
        Key::Search => "Search",
        // Sign-in.
        Key::SignInTitle => "Sign in",
        Key::SignInSubtitle => "Your team's shared inbox for Telegram and Viber.",
        Key::SignIn => "Sign in",
        Key::SigningIn => "Signing in…",
        Key::WrongCredentials => "Wrong e-mail or password.",
        Key::TooManyAttempts => "Too many attempts. Try again in a minute.",
        // Shell.
        Key::MainNavigation => "Main navigation",
        Key::SignOut => "Sign out",
        Key::CustomerSimulator => "Customer simulator",
        Key::SignOutFailed => "Could not sign out. Try again.",
        Key::RoleAdmin => "Admin",
        Key::RoleEmployee => "Employee",
        Key::RoleFollower => "Follower",
        Key::Clients => "Clients",
        Key::Archive => "Archive",
        Key::Settings => "Settings",
        Key::UserMenu => "User menu",
        Key::LanguageLabel => "Language",
        Key::NotificationsOn => "Browser notifications are on.",
        Key::NotificationsAsk => "Browser notifications are not enabled yet.",
        Key::NotificationsBlocked => {
            "Browser notifications are blocked in this browser's settings."
        }
        Key::EnableNotifications => "Enable",
        Key::Connecting => "Connecting…",
        Key::Live => "Live",
        Key::Reconnecting => "Reconnecting…",
        Key::RetryNow => "Retry now",
        Key::ReloadNeeded => "A new version is available.",
        Key::Reload => "Reload",
        Key::NotFoundTitle => "Page not found",
        Key::NotFoundText => "There is nothing at this address.",
        Key::BackHome => "Back to the inbox",
        // Inbox.
        Key::GroupMine => "My chats",
        Key::GroupUnassigned => "Unassigned",
        Key::GroupOthers => "Other chats",
        Key::GroupClosed => "Closed dialogs",
        Key::UnreadMessages => "unread messages",
        Key::NoChatsInGroup => "No chats here.",
        Key::Unassigned => "Unassigned",
        Key::StatusOpen => "Open",
        Key::StatusClosed => "Closed",
        Key::ChooseChatTitle => "Choose a conversation",
        Key::ChooseChatText => "Pick a chat on the left to read and answer it.",
        // Chat view.
        Key::ChatUnavailable => "This chat cannot be shown",
        Key::BackToList => "Back to the list",
        Key::ChatActions => "Chat actions",
        Key::CloseChat => "Close",
        Key::ReopenChat => "Reopen",
        Key::SearchInChat => "Search in this chat",
        Key::Details => "Details",
        Key::ToggleInfo => "Show or hide the info panel",
        Key::OpenInNewTab => "Open in a new tab",
        Key::CloseWindow => "Close the chat window",
        Key::NotificationsForChat => "Notify me about new messages in this chat",
        Key::Responsible => "Responsible",
        Key::Nobody => "Nobody",
        Key::Followers => "Followers",
        Key::NoFollowers => "No followers.",
        Key::IsTyping => "{name} is typing…",
        Key::ReadOnlyNotice => "You follow this chat: you can read it, but not reply or change it.",
        Key::CannotReceive => "This customer cannot receive messages:",
        Key::ReplyLabel => "Reply to the customer",
        Key::ReplyPlaceholder => "Write a reply…",
        Key::ComposerHint => "Enter sends · Shift+Enter adds a line",
        Key::Send => "Send",
        Key::Sending => "Sending…",
        Key::Conversation => "Conversation",
        Key::StartOfConversation => "This is the beginning of the conversation.",
        Key::JumpToLatest => "↓ Latest messages",
        Key::System => "The system",
        Key::AutoGreeting => "Greeting (automatic)",
        Key::AutoReply => "Auto-reply",
        Key::AutomaticMessage => "Automatic message",
        Key::Edited => "edited",
        Key::EarlierVersions => "Earlier versions:",
        Key::DeliveryPending => "Sending",
        Key::DeliverySent => "Sent",
        Key::DeliveryDelivered => "Delivered",
        Key::DeliverySeen => "Seen",
        Key::DeliveryFailed => "Not delivered",
        Key::RetrySend => "Retry",
        Key::AttachmentUnavailable => "(not available)",
        Key::AttachFile => "Attach a file",
        Key::RemoveFile => "Remove the file",
        Key::Location => "Location",
        Key::ForwardedFrom => "Forwarded from {name}",
        // Timeline events.
        Key::EvOpened => "The customer started the conversation",
        Key::EvOpenedReferral => "The customer started the conversation (link “{referral}”)",
        Key::EvAssigned => "Assigned to {user}",
        Key::EvUnassigned => "Unassigned",
        Key::ReasonNextInQueue => "next in the queue",
        Key::ReasonReturningCustomer => "returning customer, back to their previous manager",
        Key::ReasonPreviousInactive => "the previous manager is inactive",
        Key::ReasonQueueEmpty => "no active manager in the queue",
        Key::ReasonManual => "by {actor}",
        Key::ReasonTookByReplying => "took the chat by replying",
        Key::ReasonNoEligible => "nobody in the queue can take it now",
        Key::ReasonWaitingQueue => "it was waiting for a free manager",
        Key::ReasonNoAnswer => "{previous} did not answer in time",
        Key::ReasonBusinessOwner => "owner of the Telegram Business account",
        Key::EvClosed => "{actor} closed the chat",
        Key::EvReopened => "{actor} reopened the chat",
        Key::EvReopenedCustomer => "The customer wrote again: the chat was reopened",
        Key::EvReopenedReply => "{actor} replied: the chat was reopened",
        Key::EvFollowersChanged => "{actor} changed the followers: {changes}",
        Key::EvFollowersAdded => "added {names}",
        Key::EvFollowersRemoved => "removed {names}",
        Key::EvTagsChanged => "{actor} set the tags: {tags}",
        Key::EvTagsCleared => "{actor} removed all tags",
        Key::EvDealCreated => "Deal “{title}” created",
        Key::EvLinked => "{actor} linked {what}",
        Key::EvUnlinked => "{actor} unlinked {what}",
        Key::LinkedTask => "task {name}",
        Key::LinkedProject => "project {name}",
        Key::EvBlocked => "The customer blocked the bot",
        Key::EvUnblocked => "The customer unblocked the bot",
        Key::EvSubscribed => "The customer subscribed",
        Key::EvUnsubscribed => "The customer unsubscribed",
        Key::EvSnoozed => "{actor} snoozed the chat until {until}",
        Key::EvUnsnoozedTime => "The snooze ended",
        Key::EvUnsnoozedCustomer => "The customer wrote: the snooze ended",
        Key::EvUnsnoozedManual => "{actor} ended the snooze",
        Key::EvDealChanged => "{actor} changed the deal: {changes}",
        Key::EvTaskChanged => "{actor} changed a linked task: {changes}",
        Key::EvContactsMerged => "{actor} merged two contacts into one",
        Key::EvWindowClosed => "The 24-hour reply window closed: only templates can be sent",
        // Info panel.
        Key::ChatInfo => "Chat information",
        Key::Deals => "Deals",
        Key::NoDeals => "No deals.",
        Key::CreateAnotherDeal => "Create another deal",
        Key::Stage => "Stage",
        Key::Amount => "Amount",
        Key::Contact => "Contact",
        Key::Username => "Username",
        Key::Phone => "Phone",
        Key::Language => "Language",
        Key::Country => "Country",
        Key::ChatDetails => "Chat details",
        Key::Started => "Started",
        Key::LastMessage => "Last message",
        Key::SourceBot => "Source bot",
        Key::Channel => "Channel",
        Key::Referral => "Arrived via",
        Key::Tags => "Tags",
        Key::NoTags => "No tags.",
        Key::AddTag => "Add a tag",
        Key::RemoveTag => "Remove tag {tag}",
        Key::Relations => "Tasks and projects",
        Key::Tasks => "Tasks",
        Key::Projects => "Projects",
        Key::NoTasks => "No linked tasks.",
        Key::NoProjects => "No linked projects.",
        Key::LinkExisting => "Link an existing one…",
        Key::Link => "Link",
        Key::Unlink => "Unlink",
        Key::NewTask => "New task",
        Key::NewProject => "New project",
        Key::CreateAndLink => "Create and link",
        Key::Comments => "Team comments",
        Key::NoComments => "No comments yet.",
        Key::AddComment => "Add comment",
        Key::CommentPlaceholder => "Visible to teammates only (Ctrl+Enter sends)",
        // Archive.
        Key::SearchText => "Text",
        Key::Manager => "Manager",
        Key::Tag => "Tag",
        Key::FromDate => "From",
        Key::ToDate => "To",
        Key::ResetFilters => "Reset filters",
        // Settings.
        Key::AdminsOnly => "Only admins can change settings.",
        Key::Integrations => "Integrations",
        Key::Users => "Users",
        Key::Pipelines => "Sales funnels",
        Key::AddIntegration => "Connect a bot",
        Key::EditIntegration => "Edit integration",
        Key::NoIntegrations => "No bots connected yet.",
        Key::Messenger => "Messenger",
        Key::Token => "Bot token",
        Key::Delivery => "Delivery",
        Key::DeliveryAuto => "Automatic (webhook on https, else polling)",
        Key::DeliveryWebhook => "Webhook",
        Key::DeliveryPolling => "Polling",
        Key::SalesFunnel => "Sales funnel",
        Key::DefaultPipeline => "Default",
        Key::Queue => "Queue of managers",
        Key::QueueHelp => "New chats go to the next active manager, in this order.",
        Key::QueueEmpty => "Nobody in the queue: new chats stay unassigned.",
        Key::AddToQueue => "Add a manager",
        Key::ChooseManager => "Choose…",
        Key::MoveUp => "Move up",
        Key::MoveDown => "Move down",
        Key::NextInQueue => "Next new chat goes to {name}.",
        Key::QueueNobodyNext => "No active manager will get the next chat.",
        Key::GreetingText => "Greeting",
        Key::GreetingHelp => "Sent once to each new customer. Empty: no greeting.",
        Key::AutoReplyText => "Auto-reply",
        Key::AutoReplyHelp => "Sent when a conversation starts. Empty: no auto-reply.",
        Key::WebhookUrl => "Webhook address",
        Key::ConfirmDeleteIntegration => "Delete this integration? Its chats and history stay.",
        Key::Role => "Role",
        Key::Active => "Active",
        Key::Inactive => "Inactive",
        Key::Activate => "Activate",
        Key::Deactivate => "Deactivate",
        Key::AddUser => "Add user",
        Key::AddPipeline => "Add sales funnel",
        Key::StagesOnePerLine => "Stages, one per line, in order",
    }
}

fn es(key: Key) -> &'static str {
    match key {
        // General.
        Key::AppName => "Tidings",
        Key::Loading => "Cargando…",
        Key::Retry => "Reintentar",
        Key::NetworkError => {
            "No se puede contactar con el servidor. Compruebe la conexión e inténtelo de nuevo."
        }
        Key::ServerError => "El servidor tuvo un problema. Inténtelo de nuevo en breve.",
        Key::UnexpectedError => "Algo salió mal.",
        Key::NotAllowed => "Su rol no permite hacer esto.",
        Key::NotFoundOrHidden => "No existe o no tiene acceso.",
        Key::SessionCheckFailed => "No se pudo comprobar si ha iniciado sesión.",
        Key::Save => "Guardar",
        Key::Saving => "Guardando…",
        Key::Saved => "Guardado.",
        Key::Cancel => "Cancelar",
        Key::Delete => "Eliminar",
        Key::Add => "Añadir",
        Key::Remove => "Quitar",
        Key::Show => "Mostrar",
        Key::Hide => "Ocultar",
        Key::Name => "Nombre",
        Key::Email => "Correo electrónico",
        Key::Password => "Contraseña",
        Key::Status => "Estado",
        Key::Actions => "Acciones",
        Key::Any => "Cualquiera",
        Key::LoadMore => "Cargar más",
        Key::NothingFound => "No se encontró nada.",
        Key::Search => "Buscar",
        // Sign-in.
        Key::SignInTitle => "Iniciar sesión",
        Key::SignInSubtitle => "La bandeja compartida de su equipo para Telegram y Viber.",
        Key::SignIn => "Entrar",
        Key::SigningIn => "Entrando…",
        Key::WrongCredentials => "Correo o contraseña incorrectos.",
        Key::TooManyAttempts => "Demasiados intentos. Inténtelo de nuevo en un minuto.",
        // Shell.
        Key::MainNavigation => "Navegación principal",
        Key::SignOut => "Cerrar sesión",
        Key::CustomerSimulator => "Simulador de clientes",
        Key::SignOutFailed => "No se pudo cerrar la sesión. Inténtelo de nuevo.",
        Key::RoleAdmin => "Administrador",
        Key::RoleEmployee => "Empleado",
        Key::RoleFollower => "Seguidor",
        Key::Clients => "Clientes",
        Key::Archive => "Archivo",
        Key::Settings => "Ajustes",
        Key::UserMenu => "Menú de usuario",
        Key::LanguageLabel => "Idioma",
        Key::NotificationsOn => "Las notificaciones del navegador están activadas.",
        Key::NotificationsAsk => "Las notificaciones del navegador aún no están activadas.",
        Key::NotificationsBlocked => {
            "Las notificaciones están bloqueadas en la configuración del navegador."
        }
        Key::EnableNotifications => "Activar",
        Key::Connecting => "Conectando…",
        Key::Live => "En directo",
        Key::Reconnecting => "Reconectando…",
        Key::RetryNow => "Reintentar ahora",
        Key::ReloadNeeded => "Hay una versión nueva.",
        Key::Reload => "Recargar",
        Key::NotFoundTitle => "Página no encontrada",
        Key::NotFoundText => "No hay nada en esta dirección.",
        Key::BackHome => "Volver a la bandeja",
        // Inbox.
        Key::GroupMine => "Mis chats",
        Key::GroupUnassigned => "Sin asignar",
        Key::GroupOthers => "Otros chats",
        Key::GroupClosed => "Diálogos cerrados",
        Key::UnreadMessages => "mensajes sin leer",
        Key::NoChatsInGroup => "No hay chats aquí.",
        Key::Unassigned => "Sin asignar",
        Key::StatusOpen => "Abierto",
        Key::StatusClosed => "Cerrado",
        Key::ChooseChatTitle => "Elija una conversación",
        Key::ChooseChatText => "Elija un chat a la izquierda para leerlo y responder.",
        // Chat view.
        Key::ChatUnavailable => "No se puede mostrar este chat",
        Key::BackToList => "Volver a la lista",
        Key::ChatActions => "Acciones del chat",
        Key::CloseChat => "Cerrar",
        Key::ReopenChat => "Reabrir",
        Key::SearchInChat => "Buscar en este chat",
        Key::Details => "Detalles",
        Key::ToggleInfo => "Mostrar u ocultar el panel de información",
        Key::OpenInNewTab => "Abrir en una pestaña nueva",
        Key::CloseWindow => "Cerrar la ventana del chat",
        Key::NotificationsForChat => "Avisarme de los mensajes nuevos de este chat",
        Key::Responsible => "Responsable",
        Key::Nobody => "Nadie",
        Key::Followers => "Seguidores",
        Key::NoFollowers => "Sin seguidores.",
        Key::IsTyping => "{name} está escribiendo…",
        Key::ReadOnlyNotice => "Sigue este chat: puede leerlo, pero no responder ni modificarlo.",
        Key::CannotReceive => "Este cliente no puede recibir mensajes:",
        Key::ReplyLabel => "Responder al cliente",
        Key::ReplyPlaceholder => "Escriba una respuesta…",
        Key::ComposerHint => "Intro envía · Mayús+Intro añade una línea",
        Key::Send => "Enviar",
        Key::Sending => "Enviando…",
        Key::Conversation => "Conversación",
        Key::StartOfConversation => "Este es el comienzo de la conversación.",
        Key::JumpToLatest => "↓ Últimos mensajes",
        Key::System => "El sistema",
        Key::AutoGreeting => "Saludo (automático)",
        Key::AutoReply => "Respuesta automática",
        Key::AutomaticMessage => "Mensaje automático",
        Key::Edited => "editado",
        Key::EarlierVersions => "Versiones anteriores:",
        Key::DeliveryPending => "Enviando",
        Key::DeliverySent => "Enviado",
        Key::DeliveryDelivered => "Entregado",
        Key::DeliverySeen => "Visto",
        Key::DeliveryFailed => "No entregado",
        Key::RetrySend => "Reintentar",
        Key::AttachmentUnavailable => "(no disponible)",
        Key::AttachFile => "Adjuntar un archivo",
        Key::RemoveFile => "Quitar el archivo",
        Key::Location => "Ubicación",
        Key::ForwardedFrom => "Reenviado de {name}",
        // Timeline events.
        Key::EvOpened => "El cliente inició la conversación",
        Key::EvOpenedReferral => "El cliente inició la conversación (enlace «{referral}»)",
        Key::EvAssigned => "Asignado a {user}",
        Key::EvUnassigned => "Sin asignar",
        Key::ReasonNextInQueue => "siguiente en la cola",
        Key::ReasonReturningCustomer => "cliente que vuelve, con su gestor anterior",
        Key::ReasonPreviousInactive => "el gestor anterior está inactivo",
        Key::ReasonQueueEmpty => "no hay gestores activos en la cola",
        Key::ReasonManual => "por {actor}",
        Key::ReasonTookByReplying => "tomó el chat al responder",
        Key::ReasonNoEligible => "nadie de la cola puede atenderlo ahora",
        Key::ReasonWaitingQueue => "esperaba a un gestor libre",
        Key::ReasonNoAnswer => "{previous} no respondió a tiempo",
        Key::ReasonBusinessOwner => "titular de la cuenta de Telegram Business",
        Key::EvClosed => "{actor} cerró el chat",
        Key::EvReopened => "{actor} reabrió el chat",
        Key::EvReopenedCustomer => "El cliente volvió a escribir: el chat se reabrió",
        Key::EvReopenedReply => "{actor} respondió: el chat se reabrió",
        Key::EvFollowersChanged => "{actor} cambió los seguidores: {changes}",
        Key::EvFollowersAdded => "añadió a {names}",
        Key::EvFollowersRemoved => "quitó a {names}",
        Key::EvTagsChanged => "{actor} puso las etiquetas: {tags}",
        Key::EvTagsCleared => "{actor} quitó todas las etiquetas",
        Key::EvDealCreated => "Trato «{title}» creado",
        Key::EvLinked => "{actor} vinculó {what}",
        Key::EvUnlinked => "{actor} desvinculó {what}",
        Key::LinkedTask => "la tarea {name}",
        Key::LinkedProject => "el proyecto {name}",
        Key::EvBlocked => "El cliente bloqueó el bot",
        Key::EvUnblocked => "El cliente desbloqueó el bot",
        Key::EvSubscribed => "El cliente se suscribió",
        Key::EvUnsubscribed => "El cliente canceló la suscripción",
        Key::EvSnoozed => "{actor} pospuso el chat hasta {until}",
        Key::EvUnsnoozedTime => "Terminó el aplazamiento",
        Key::EvUnsnoozedCustomer => "El cliente escribió: terminó el aplazamiento",
        Key::EvUnsnoozedManual => "{actor} terminó el aplazamiento",
        Key::EvDealChanged => "{actor} cambió el trato: {changes}",
        Key::EvTaskChanged => "{actor} cambió una tarea vinculada: {changes}",
        Key::EvContactsMerged => "{actor} fusionó dos contactos en uno",
        Key::EvWindowClosed => {
            "Se cerró la ventana de respuesta de 24 horas: solo se pueden enviar plantillas"
        }
        // Info panel.
        Key::ChatInfo => "Información del chat",
        Key::Deals => "Tratos",
        Key::NoDeals => "Sin tratos.",
        Key::CreateAnotherDeal => "Crear otro trato",
        Key::Stage => "Etapa",
        Key::Amount => "Importe",
        Key::Contact => "Contacto",
        Key::Username => "Usuario",
        Key::Phone => "Teléfono",
        Key::Language => "Idioma",
        Key::Country => "País",
        Key::ChatDetails => "Detalles del chat",
        Key::Started => "Inicio",
        Key::LastMessage => "Último mensaje",
        Key::SourceBot => "Bot de origen",
        Key::Channel => "Canal",
        Key::Referral => "Llegó por",
        Key::Tags => "Etiquetas",
        Key::NoTags => "Sin etiquetas.",
        Key::AddTag => "Añadir etiqueta",
        Key::RemoveTag => "Quitar la etiqueta {tag}",
        Key::Relations => "Tareas y proyectos",
        Key::Tasks => "Tareas",
        Key::Projects => "Proyectos",
        Key::NoTasks => "Sin tareas vinculadas.",
        Key::NoProjects => "Sin proyectos vinculados.",
        Key::LinkExisting => "Vincular uno existente…",
        Key::Link => "Vincular",
        Key::Unlink => "Desvincular",
        Key::NewTask => "Nueva tarea",
        Key::NewProject => "Nuevo proyecto",
        Key::CreateAndLink => "Crear y vincular",
        Key::Comments => "Comentarios del equipo",
        Key::NoComments => "Aún no hay comentarios.",
        Key::AddComment => "Añadir comentario",
        Key::CommentPlaceholder => "Solo lo ve el equipo (Ctrl+Intro envía)",
        // Archive.
        Key::SearchText => "Texto",
        Key::Manager => "Gestor",
        Key::Tag => "Etiqueta",
        Key::FromDate => "Desde",
        Key::ToDate => "Hasta",
        Key::ResetFilters => "Quitar filtros",
        // Settings.
        Key::AdminsOnly => "Solo los administradores pueden cambiar los ajustes.",
        Key::Integrations => "Integraciones",
        Key::Users => "Usuarios",
        Key::Pipelines => "Embudos de venta",
        Key::AddIntegration => "Conectar un bot",
        Key::EditIntegration => "Editar integración",
        Key::NoIntegrations => "Aún no hay bots conectados.",
        Key::Messenger => "Mensajería",
        Key::Token => "Token del bot",
        Key::Delivery => "Recepción",
        Key::DeliveryAuto => "Automática (webhook con https, si no sondeo)",
        Key::DeliveryWebhook => "Webhook",
        Key::DeliveryPolling => "Sondeo",
        Key::SalesFunnel => "Embudo de venta",
        Key::DefaultPipeline => "Predeterminado",
        Key::Queue => "Cola de gestores",
        Key::QueueHelp => "Los chats nuevos van al siguiente gestor activo, en este orden.",
        Key::QueueEmpty => "Nadie en la cola: los chats nuevos quedan sin asignar.",
        Key::AddToQueue => "Añadir un gestor",
        Key::ChooseManager => "Elija…",
        Key::MoveUp => "Subir",
        Key::MoveDown => "Bajar",
        Key::NextInQueue => "El próximo chat nuevo irá a {name}.",
        Key::QueueNobodyNext => "Ningún gestor activo recibirá el próximo chat.",
        Key::GreetingText => "Saludo",
        Key::GreetingHelp => "Se envía una vez a cada cliente nuevo. Vacío: sin saludo.",
        Key::AutoReplyText => "Respuesta automática",
        Key::AutoReplyHelp => {
            "Se envía al empezar una conversación. Vacío: sin respuesta automática."
        }
        Key::WebhookUrl => "Dirección del webhook",
        Key::ConfirmDeleteIntegration => {
            "¿Eliminar esta integración? Sus chats y su historial se conservan."
        }
        Key::Role => "Rol",
        Key::Active => "Activo",
        Key::Inactive => "Inactivo",
        Key::Activate => "Activar",
        Key::Deactivate => "Desactivar",
        Key::AddUser => "Añadir usuario",
        Key::AddPipeline => "Añadir embudo",
        Key::StagesOnePerLine => "Etapas, una por línea, en orden",
    }
}

/// Replaces `{name}` placeholders; values are plain text (rendered as text nodes).
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// The interface language, provided once by `app.rs`. Reading through it is reactive, so
/// switching the language later re-renders the text in place.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn new(lang: Lang) -> Self {
        set_document_lang(lang);
        I18n {
            lang: RwSignal::new(lang),
        }
    }

    /// The current language (tracks it).
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// Switches the language and remembers the choice in this browser.
    pub fn set_lang(&self, lang: Lang) {
        stored::set(LANG_KEY, lang.code());
        set_document_lang(lang);
        self.lang.set(lang);
    }

    /// The text for `key` in the current language (tracks the language signal).
    pub fn tr(&self, key: Key) -> &'static str {
        t(self.lang.get(), key)
    }

    /// [`Self::tr`] with its placeholders filled.
    pub fn fill(&self, key: Key, values: &[(&str, String)]) -> String {
        fill(self.tr(key), values)
    }
}

/// `<html lang>`, for screen readers and hyphenation.
fn set_document_lang(lang: Lang) {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("lang", lang.code());
    }
}

/// The [`I18n`] provided by `app.rs`.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_errors_read_as_specified() {
        assert_eq!(
            t(Lang::En, Key::WrongCredentials),
            "Wrong e-mail or password."
        );
        assert_eq!(
            t(Lang::En, Key::TooManyAttempts),
            "Too many attempts. Try again in a minute."
        );
    }

    #[test]
    fn placeholders_are_filled_with_plain_text() {
        assert_eq!(
            fill(
                t(Lang::En, Key::EvAssigned),
                &[("user", "<b>Ana</b>".into())]
            ),
            "Assigned to <b>Ana</b>"
        );
    }

    #[test]
    fn regional_codes_pick_their_language() {
        assert_eq!(Lang::parse("es-AR"), Some(Lang::Es));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
    }
}
