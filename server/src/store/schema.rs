//! Diesel table definitions, mirroring `migrations/{sqlite,postgres}`.

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> Timestamp,
        presence -> Text,
        away_chosen -> Bool,
        last_seen_at -> Nullable<Timestamp>,
        last_active_at -> Nullable<Timestamp>,
        max_open_chats -> Nullable<BigInt>,
    }
}

diesel::table! {
    live_sockets (node_id, user_id) {
        node_id -> Text,
        user_id -> BigInt,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        email -> Text,
        address -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    sign_in_addresses (email, address) {
        email -> Text,
        address -> Text,
        last_success_at -> Timestamp,
    }
}

diesel::table! {
    pipelines (id) {
        id -> BigInt,
        name -> Text,
        is_default -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stages (id) {
        id -> BigInt,
        pipeline_id -> BigInt,
        name -> Text,
        position -> Integer,
    }
}

diesel::table! {
    integrations (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        token -> Text,
        webhook_secret -> Text,
        delivery -> Text,
        pipeline_id -> BigInt,
        greeting_text -> Nullable<Text>,
        auto_reply_text -> Nullable<Text>,
        queue_cursor -> BigInt,
        bot_username -> Nullable<Text>,
        bot_avatar_url -> Nullable<Text>,
        polling_offset -> BigInt,
        last_inbound_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        assign_only_online -> Bool,
        reassign_after_s -> Nullable<BigInt>,
        business_hours -> Nullable<Text>,
        away_text -> Nullable<Text>,
    }
}

diesel::table! {
    integration_queue (integration_id, position) {
        integration_id -> BigInt,
        position -> Integer,
        user_id -> BigInt,
    }
}

diesel::table! {
    contacts (id) {
        id -> BigInt,
        name -> Text,
        username -> Nullable<Text>,
        phone -> Nullable<Text>,
        language -> Nullable<Text>,
        country -> Nullable<Text>,
        avatar_url -> Nullable<Text>,
        created_at -> Timestamp,
        email -> Nullable<Text>,
        company -> Nullable<Text>,
        notes -> Nullable<Text>,
        phone_digits -> Nullable<Text>,
        email_key -> Nullable<Text>,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        contact_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_identities (id) {
        id -> BigInt,
        customer_id -> BigInt,
        channel -> Text,
        external_id -> Text,
        display_name -> Text,
        username -> Nullable<Text>,
        language -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    greetings_sent (customer_id, integration_id) {
        customer_id -> BigInt,
        integration_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    pending_referrals (customer_id, integration_id) {
        customer_id -> BigInt,
        integration_id -> BigInt,
        referral -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    chats (id) {
        id -> BigInt,
        integration_id -> BigInt,
        customer_id -> BigInt,
        contact_id -> BigInt,
        status -> Text,
        assignee_id -> Nullable<BigInt>,
        referral -> Nullable<Text>,
        unreachable_reason -> Nullable<Text>,
        last_message_preview -> Nullable<Text>,
        started_at -> Timestamp,
        last_message_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        waiting_since -> Nullable<Timestamp>,
        awaiting_reply_since -> Nullable<Timestamp>,
        assigned_at -> Nullable<Timestamp>,
        no_answer_for -> Nullable<Timestamp>,
        reply_window_ends_at -> Nullable<Timestamp>,
        business_connection_id -> Nullable<Text>,
        business_chat_id -> Nullable<Text>,
    }
}

diesel::table! {
    chat_followers (chat_id, user_id) {
        chat_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    chat_tags (chat_id, tag) {
        chat_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    timeline_items (id) {
        id -> BigInt,
        chat_id -> BigInt,
        kind -> Text,
        at -> Timestamp,
        direction -> Nullable<Text>,
        author_id -> Nullable<BigInt>,
        content_kind -> Nullable<Text>,
        text -> Nullable<Text>,
        external_id -> Nullable<Text>,
        reply_to_id -> Nullable<BigInt>,
        delivery -> Nullable<Text>,
        delivery_error -> Nullable<Text>,
        edited_at -> Nullable<Timestamp>,
        event -> Nullable<Text>,
        actor_id -> Nullable<BigInt>,
        data -> Nullable<Text>,
        reply_to_text -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    message_versions (id) {
        id -> BigInt,
        item_id -> BigInt,
        text -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        item_id -> BigInt,
        kind -> Text,
        name -> Text,
        mime -> Nullable<Text>,
        size -> Nullable<BigInt>,
        path -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        created_at -> Timestamp,
        fetch_error -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        chat_id -> BigInt,
        author_id -> BigInt,
        text -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    deals (id) {
        id -> BigInt,
        pipeline_id -> BigInt,
        stage_id -> BigInt,
        contact_id -> Nullable<BigInt>,
        chat_id -> Nullable<BigInt>,
        title -> Text,
        amount -> Nullable<Double>,
        created_at -> Timestamp,
        currency -> Nullable<Text>,
        status -> Text,
        responsible_id -> Nullable<BigInt>,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        close_note -> Nullable<Text>,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        title -> Text,
        done -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        assignee_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        name -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_links (chat_id, kind, target_id) {
        chat_id -> BigInt,
        kind -> Text,
        target_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    chat_user_state (chat_id, user_id) {
        chat_id -> BigInt,
        user_id -> BigInt,
        last_read_item_id -> BigInt,
        notifications_enabled -> Bool,
    }
}

diesel::table! {
    inbound_events (id) {
        id -> BigInt,
        integration_id -> BigInt,
        dedup_key -> Text,
        body -> Text,
        status -> Text,
        error -> Nullable<Text>,
        received_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbound_queue (id) {
        id -> BigInt,
        integration_id -> BigInt,
        chat_id -> BigInt,
        item_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attempt_started_at -> Nullable<Timestamp>,
        interrupted_sends -> Integer,
    }
}

diesel::table! {
    recent_sends (id) {
        id -> BigInt,
        integration_id -> BigInt,
        chat_id -> BigInt,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    event_log (id) {
        id -> BigInt,
        chat_id -> Nullable<BigInt>,
        payload -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    outbound_parts (item_id, position) {
        item_id -> BigInt,
        position -> Integer,
        external_id -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    media_links (token) {
        token -> Text,
        attachment_id -> BigInt,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pending_receipts (id) {
        id -> BigInt,
        integration_id -> BigInt,
        external_id -> Text,
        state -> Text,
        error -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    canned_replies (id) {
        id -> BigInt,
        scope -> Text,
        owner_id -> BigInt,
        shortcut -> Text,
        text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    chat_snoozes (chat_id) {
        chat_id -> BigInt,
        until -> Timestamp,
        snoozed_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    message_reactions (id) {
        id -> BigInt,
        item_id -> BigInt,
        user_id -> Nullable<BigInt>,
        emoji -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    comment_mentions (comment_id, user_id) {
        comment_id -> BigInt,
        user_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        chat_id -> BigInt,
        item_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    whatsapp_numbers (integration_id) {
        integration_id -> BigInt,
        phone_number_id -> Text,
        business_account_id -> Text,
        app_secret -> Text,
        verify_token -> Text,
    }
}

diesel::table! {
    push_keys (id) {
        id -> BigInt,
        private_key -> Text,
        public_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> BigInt,
        user_id -> BigInt,
        endpoint -> Text,
        p256dh -> Text,
        auth -> Text,
        language -> Text,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_success_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    push_queue (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        user_id -> BigInt,
        chat_id -> Nullable<BigInt>,
        payload -> Text,
        topic -> Nullable<Text>,
        urgency -> Text,
        ttl_s -> Integer,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    business_connections (integration_id, id) {
        integration_id -> BigInt,
        id -> Text,
        telegram_user_id -> Text,
        name -> Text,
        username -> Nullable<Text>,
        user_chat_id -> BigInt,
        user_id -> Nullable<BigInt>,
        enabled -> Bool,
        can_reply -> Bool,
        connected_at -> Timestamp,
    }
}

diesel::table! {
    report_chats (chat_id) {
        chat_id -> BigInt,
        stale -> Bool,
        integration_id -> Nullable<BigInt>,
        slots -> Text,
        changes -> BigInt,
    }
}

diesel::table! {
    report_conversations (chat_id, seq) {
        chat_id -> BigInt,
        seq -> Integer,
        integration_id -> BigInt,
        started_at -> Timestamp,
        started_s -> BigInt,
        reopen -> Bool,
        closed_at -> Nullable<Timestamp>,
        closed_s -> Nullable<BigInt>,
        holder_id -> Nullable<BigInt>,
        holders -> Text,
        first_customer_at -> Nullable<Timestamp>,
        first_response_at -> Nullable<Timestamp>,
        first_responder_id -> Nullable<BigInt>,
        first_response_s -> Nullable<BigInt>,
        resolution_s -> Nullable<BigInt>,
        messages_in -> BigInt,
        messages_out -> BigInt,
    }
}

diesel::table! {
    report_message_slots (slot, integration_id, author_id) {
        slot -> BigInt,
        integration_id -> BigInt,
        author_id -> BigInt,
        messages_in -> BigInt,
        messages_out -> BigInt,
        messages_auto -> BigInt,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(live_sockets -> users (user_id));
diesel::joinable!(stages -> pipelines (pipeline_id));
diesel::joinable!(integrations -> pipelines (pipeline_id));
diesel::joinable!(integration_queue -> integrations (integration_id));
diesel::joinable!(integration_queue -> users (user_id));
diesel::joinable!(customers -> contacts (contact_id));
diesel::joinable!(customer_identities -> customers (customer_id));
diesel::joinable!(chats -> integrations (integration_id));
diesel::joinable!(chats -> contacts (contact_id));
diesel::joinable!(chats -> customers (customer_id));
diesel::joinable!(chat_followers -> chats (chat_id));
diesel::joinable!(chat_tags -> chats (chat_id));
diesel::joinable!(timeline_items -> chats (chat_id));
diesel::joinable!(message_versions -> timeline_items (item_id));
diesel::joinable!(attachments -> timeline_items (item_id));
diesel::joinable!(comments -> chats (chat_id));
diesel::joinable!(deals -> stages (stage_id));
diesel::joinable!(chat_user_state -> chats (chat_id));
diesel::joinable!(outbound_queue -> timeline_items (item_id));
diesel::joinable!(outbound_parts -> timeline_items (item_id));
diesel::joinable!(media_links -> attachments (attachment_id));
diesel::joinable!(pending_receipts -> integrations (integration_id));
diesel::joinable!(canned_replies -> users (owner_id));
diesel::joinable!(chat_snoozes -> chats (chat_id));
diesel::joinable!(message_reactions -> timeline_items (item_id));
diesel::joinable!(comment_mentions -> comments (comment_id));
diesel::joinable!(notifications -> chats (chat_id));
diesel::joinable!(whatsapp_numbers -> integrations (integration_id));
diesel::joinable!(push_subscriptions -> users (user_id));
diesel::joinable!(push_queue -> push_subscriptions (subscription_id));
diesel::joinable!(push_queue -> chats (chat_id));
diesel::joinable!(push_queue -> users (user_id));
diesel::joinable!(business_connections -> integrations (integration_id));
diesel::joinable!(business_connections -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    live_sockets,
    sessions,
    login_failures,
    sign_in_addresses,
    pipelines,
    stages,
    integrations,
    integration_queue,
    contacts,
    customers,
    customer_identities,
    greetings_sent,
    pending_referrals,
    chats,
    chat_followers,
    chat_tags,
    timeline_items,
    message_versions,
    attachments,
    comments,
    deals,
    tasks,
    projects,
    chat_links,
    chat_user_state,
    inbound_events,
    outbound_queue,
    recent_sends,
    event_log,
    leases,
    outbound_parts,
    media_links,
    pending_receipts,
    canned_replies,
    chat_snoozes,
    message_reactions,
    comment_mentions,
    notifications,
    whatsapp_numbers,
    push_keys,
    push_subscriptions,
    push_queue,
    business_connections,
    report_chats,
    report_conversations,
    report_message_slots,
);
