//! Every user-facing string of the web app, per language. Screens ask for a [`Key`]; they never
//! hold literal text. Adding a language: a [`Lang`] variant plus a module `xx.rs` with one
//! `fn xx(key) -> &str`; the exhaustive matches make the compiler list every missing string.
//! The language comes from the browser (or the user's choice, kept in local storage).

use leptos::prelude::*;
use shared::api::chats::ChatGroup;
use shared::api::users::Role;

use crate::state::stored;

mod en;
mod es;

use en::en;
use es::es;

const LANG_KEY: &str = "tidings.lang";

pub use shared::lang::Lang;

/// The saved choice, else the browser's preferred languages, else English.
pub fn detect_lang() -> Lang {
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
    NotAssignable,
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
    DayMon,
    DayTue,
    DayWed,
    DayThu,
    DayFri,
    DaySat,
    DaySun,
    Routing,
    AssignOnlyOnline,
    ReassignAfter,
    ReassignHelp,
    BusinessHours,
    TimeZone,
    HoursHelp,
    AwayText,
    AwayTextHelp,
    Eligible,
    OpenChatsCount,
    WaitingCount,
    WaitingShort,
    WaitingFor,
    PresenceOnline,
    PresenceAway,
    PresenceOffline,
    WhyNotInactive,
    WhyNotOffline,
    WhyNotAway,
    WhyNotAtCapacity,
    WhyNotAssignable,
    SetAway,
    SetOnline,
    MaxOpenChats,
    NoCap,
    ReasonNoAnswerWithin,
    GreetingText,
    GreetingHelp,
    AutoReplyText,
    AutoReplyHelp,
    WebhookUrl,
    ConfirmDeleteIntegration,
    Health,
    HealthOk,
    HealthDegraded,
    HealthFailing,
    HealthState,
    ExpectedWebhookUrl,
    ReportedWebhookUrl,
    MessengerUnreachable,
    PendingUpdates,
    MessengerLastError,
    LastInbound,
    OutboundQueue,
    LastSendError,
    FailedUpdates,
    FailedUpdatesHelp,
    ApplyAgain,
    AppliedAgain,
    ShowMore,
    RegisterWebhookAgain,
    WebhookRegistered,
    SendTestMessage,
    TestMessageSent,
    NoneYet,
    Role,
    Active,
    Inactive,
    Activate,
    Deactivate,
    AddUser,
    AddPipeline,
    StagesOnePerLine,
    Backups,
    LastBackup,
    BackupsOff,
    EraseCustomer,
    EraseCustomerQuestion,
    EraseCustomerWhat,
    EraseCustomerKept,
    EraseCustomerFinal,
    Erase,
    // Canned replies, inbox filters, keyboard shortcuts.
    CannedReplies,
    CannedRepliesHelp,
    Shortcut,
    ReplyText,
    AddCannedReply,
    NoCannedReplies,
    NoCannedMatch,
    Edit,
    ScopeTeam,
    ScopePersonal,
    NewPersonalReply,
    CannedPickerHint,
    UnknownVariables,
    FilterChats,
    SearchChats,
    KeyboardShortcuts,
    ShortcutNextChat,
    ShortcutPreviousChat,
    ShortcutOpenChat,
    ShortcutReply,
    ShortcutCloseChat,
    ShortcutAssign,
    ShortcutSearch,
    ShortcutInbox,
    ShortcutArchive,
    ShortcutHelp,
    ShortcutsNotInFields,
    Close,
    // Snooze and bulk actions.
    GroupSnoozed,
    Snooze,
    Unsnooze,
    SnoozedUntil,
    SnoozeOneHour,
    SnoozeTomorrow,
    SnoozeNextWeek,
    SnoozeCustom,
    SelectChat,
    SelectAllOnPage,
    SelectedCount,
    ClearSelection,
    BulkActions,
    BulkAssign,
    BulkTag,
    BulkAddTag,
    BulkRemoveTag,
    BulkAllDone,
    BulkSomeFailed,
    BulkChatFailed,
    // Reports.
    Reports,
    ReportPeriod,
    Last7Days,
    Last30Days,
    Last90Days,
    CustomRange,
    BusinessHoursOnly,
    BusinessHoursOnlyHelp,
    ConversationsStarted,
    ConversationsStartedHelp,
    Reopened,
    ReopenedHelp,
    ConversationsClosed,
    ConversationsClosedHelp,
    MessagesIn,
    MessagesInHelp,
    MessagesOut,
    MessagesOutHelp,
    AutoMessages,
    AutoMessagesHelp,
    FirstResponseMedian,
    FirstResponseMedianHelp,
    FirstResponseP90,
    FirstResponseP90Help,
    ResolutionMedian,
    ResolutionMedianHelp,
    ResolutionP90,
    ResolutionP90Help,
    ChartActivity,
    ChartActivityHelp,
    ChartFirstResponse,
    ChartFirstResponseHelp,
    MedianLabel,
    P90Label,
    ManagersTable,
    ColAssigned,
    ColAssignedHelp,
    ColClosed,
    ColClosedHelp,
    ColReplies,
    ColRepliesHelp,
    ColFirstResponse,
    ColFirstResponseHelp,
    ColResolution,
    ColResolutionHelp,
    ColOpenNow,
    ColOpenNowHelp,
    Funnel,
    DealsCreated,
    DealsCreatedHelp,
    DealsWon,
    DealsWonHelp,
    DealsLost,
    DealsLostHelp,
    WonAmount,
    WonAmountHelp,
    ExportOverview,
    ExportManagers,
    ExportConversations,
    // Deals, the deal board and the funnel editor.
    DealTitle,
    Currency,
    DealOpen,
    DealWon,
    DealLost,
    CloseNote,
    DealStageChange,
    DealTitleChange,
    DealAmountChange,
    DealCurrencyChange,
    DealStatusChange,
    DealResponsibleChange,
    DealNoteChange,
    DealBoard,
    BoardView,
    ListView,
    ExportCsv,
    Age,
    AgeDays,
    DealCount,
    MoveToStage,
    DragHint,
    NoPipelines,
    AnyoneResponsible,
    EditPipeline,
    RenamePipeline,
    StageName,
    AddStage,
    RemoveStage,
    DeletePipeline,
    ConfirmDeletePipeline,
    SavePipeline,
    SortBy,
    // Quotes and reactions.
    Reply,
    ReplyingTo,
    CancelReply,
    ShowQuoted,
    React,
    ChooseReaction,
    ReactionsUnavailableViber,
    TheCustomer,
    NotificationsTitle,
    NotificationsUnread,
    MarkAllRead,
    NoNotifications,
    NotifiedMention,
    NotifiedAssignedBy,
    NotifiedAssigned,
    NotifiedCustomerMessage,
    NotifiedWaiting,
    MentionPeople,
    MentionNoMatch,
    NotMentionable,
    // WhatsApp.
    WindowLeft,
    WindowClosedNotice,
    Template,
    ChooseTemplate,
    NoTemplates,
    TemplateValue,
    SendTemplate,
    PhoneNumberId,
    BusinessAccountId,
    AppSecret,
    VerifyToken,
    CopyValue,
    WhatsAppSetupHelp,
    // Contacts and tasks.
    Contacts,
    SearchContacts,
    NoContacts,
    Company,
    Notes,
    Identities,
    ContactChats,
    ContactDeals,
    NoContactDeals,
    OpenChat,
    PossibleDuplicates,
    NoDuplicates,
    Merge,
    MergePreview,
    ConfirmMerge,
    Merged,
    PossibleDuplicate,
    BackToContacts,
    MyTasks,
    NoMyTasks,
    MarkTaskDone,
    TaskTitle,
    DueDate,
    Overdue,
    NoDueDate,
    Assignee,
    EditTask,
    ShowDoneTasks,
    EvContactsMergedNamed,
    TaskMarkedDone,
    TaskMarkedUndone,
    TaskDueChange,
    TaskAssigneeChange,
    EvTaskChangedNamed,
    // Channel API.
    DeletedByCustomer,
    ChannelApi,
    CallbackUrl,
    CallbackUrlHelp,
    ChannelApiSecret,
    ChannelApiSecretHelp,
    CopiedValue,
    RotateSecret,
    ConfirmRotateSecret,
    SecretRotated,
    SendTestEvent,
    SendingTestEvent,
    TestEventAnswered,
    TestEventHelp,
    ReactionsUnavailableApi,
    // Phone layout.
    Back,
    BackToChat,
    Menu,
    InboxGroups,
    PushEnable,
    PushEnabling,
    PushEnabled,
    PushDenied,
    PushUnsupported,
    PushFailed,
    PushSendTest,
    PushTestQueued,
    PushDevices,
    PushNoDevices,
    PushRemoveDevice,
    PushLastSuccess,
    PushNeverDelivered,
    BusinessConnections,
    BusinessConnectionsHelp,
    NoBusinessConnections,
    BusinessOwner,
    BusinessEnabled,
    BusinessDisabled,
    BusinessCanReply,
    BusinessCannotReply,
    BusinessConnectedOn,
    BusinessLinkedUser,
    BusinessNotLinked,
    BusinessChat,
    BusinessWindowClosedNotice,
    BusinessDisabledNotice,
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

/// The label of an inbox group.
pub fn group_key(group: ChatGroup) -> Key {
    match group {
        ChatGroup::Mine => Key::GroupMine,
        ChatGroup::Unassigned => Key::GroupUnassigned,
        ChatGroup::Others => Key::GroupOthers,
        ChatGroup::Closed => Key::GroupClosed,
        ChatGroup::Snoozed => Key::GroupSnoozed,
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
}
