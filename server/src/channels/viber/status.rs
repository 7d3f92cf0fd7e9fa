//! Viber's `status` codes (errors come back as HTTP 200 with `status != 0`)
//! mapped to a human reason and to what the caller should do about them.
//! Table: shared/protocols/viber.md §5, from
//! <https://developers.viber.com/docs/api/rest-bot-api/#errorCodes>.

use crate::channels::{ChannelError, Reason};

/// What one `status` code means for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub code: i64,
    /// Viber's `status_message` for it (`receiverNotSubscribed`).
    pub name: &'static str,
    /// What happened, for operators and logs.
    pub reason: &'static str,
    /// The same in Spanish (said to people who read Spanish).
    pub reason_es: &'static str,
    /// Trying the same call again later may succeed.
    pub retryable: bool,
    /// The customer cannot receive messages from this bot.
    pub unreachable: bool,
    /// The bot's token or account cannot be used at all.
    pub refuses_token: bool,
}

impl Status {
    pub fn is_ok(&self) -> bool {
        self.code == 0
    }

    /// The error a failed call with this status turns into.
    pub fn to_error(self) -> ChannelError {
        let reason = Reason::ViberStatus {
            code: self.code,
            name: self.name.to_owned(),
        };
        if self.refuses_token {
            ChannelError::BadToken(reason.to_string())
        } else {
            ChannelError::Provider {
                reason,
                retryable: self.retryable,
                retry_after: None,
                unreachable: self.unreachable,
            }
        }
    }
}

const fn status(
    code: i64,
    name: &'static str,
    reason: &'static str,
    reason_es: &'static str,
) -> Status {
    Status {
        code,
        name,
        reason,
        reason_es,
        retryable: false,
        unreachable: false,
        refuses_token: false,
    }
}

const fn retryable(mut status: Status) -> Status {
    status.retryable = true;
    status
}

const fn unreachable(mut status: Status) -> Status {
    status.unreachable = true;
    status
}

const fn refuses_token(mut status: Status) -> Status {
    status.refuses_token = true;
    status
}

/// Looks up a status code; unknown codes are a "general error".
pub fn describe(code: i64) -> Status {
    match code {
        0 => status(0, "ok", "success", "correcto"),
        1 => status(1, "invalidUrl", "the webhook URL is invalid or Viber could not reach it (it must be public HTTPS with a trusted certificate and answer 200)", "la URL del webhook no es válida o Viber no pudo alcanzarla (debe ser HTTPS pública con un certificado de confianza y responder 200)"),
        2 => refuses_token(status(2, "invalidAuthToken", "the auth token is invalid", "el token de autenticación no es válido")),
        3 => status(3, "badData", "Viber could not understand the request", "Viber no entendió la petición"),
        4 => status(4, "missingData", "the request misses a required field", "a la petición le falta un campo obligatorio"),
        5 => unreachable(status(5, "receiverNotRegistered", "the customer is not a Viber user (any more)", "el cliente no es (ya) usuario de Viber")),
        6 => unreachable(status(6, "receiverNotSubscribed", "the customer has unsubscribed from the bot or never subscribed", "el cliente se dio de baja del bot o nunca se suscribió")),
        7 => refuses_token(status(7, "publicAccountBlocked", "the bot is blocked by Viber", "Viber ha bloqueado el bot")),
        8 => refuses_token(status(8, "publicAccountNotFound", "the token does not belong to any bot", "el token no pertenece a ningún bot")),
        9 => refuses_token(status(9, "publicAccountSuspended", "the bot is suspended by Viber", "Viber ha suspendido el bot")),
        10 => status(10, "webhookNotSet", "the bot has no webhook; Viber refuses to send until one is set", "el bot no tiene webhook; Viber no envía nada hasta que se configure uno"),
        11 => status(11, "receiverNoSuitableDevice", "the customer's Viber app or device cannot receive bot messages", "la aplicación o el dispositivo Viber del cliente no puede recibir mensajes de bots"),
        12 => retryable(status(12, "tooManyRequests", "too many messages to this customer without a reply (or too many calls); try again later", "demasiados mensajes a este cliente sin respuesta (o demasiadas llamadas); inténtelo más tarde")),
        13 => status(13, "apiVersionNotSupported", "the customer's Viber app is too old for this message", "la aplicación Viber del cliente es demasiado antigua para este mensaje"),
        14 => status(14, "incompatibleWithVersion", "the message's fields do not fit its min_api_version", "los campos del mensaje no encajan con su min_api_version"),
        15 => refuses_token(status(15, "publicAccountNotAuthorized", "the bot is not authorized", "el bot no está autorizado")),
        16 => status(16, "inchatReplyMessageNotAllowed", "in-chat replies are not allowed for this bot", "este bot no puede responder dentro del chat"),
        17 => status(17, "publicAccountIsNotInline", "the bot is not an inline bot", "el bot no es un bot en línea"),
        18 => status(18, "noPublicChat", "the bot has no public chat", "el bot no tiene chat público"),
        19 => status(19, "cannotSendBroadcast", "the broadcast could not be sent", "no se pudo enviar la difusión"),
        20 => status(20, "broadcastNotAllowed", "this bot may not broadcast", "este bot no puede hacer difusiones"),
        21 => status(21, "unsupportedCountry", "Viber does not deliver bot messages to the customer's country", "Viber no entrega mensajes de bots en el país del cliente"),
        22 => status(22, "paymentUnsupported", "this bot does not support payment messages", "este bot no admite mensajes de pago"),
        23 => status(23, "freeMessagesExceeded", "the bot used up its free messages outside a session this month", "el bot agotó este mes sus mensajes gratuitos fuera de una sesión"),
        24 => status(24, "noBalance", "the bot's Viber account has no balance for messages outside a session", "la cuenta Viber del bot no tiene saldo para mensajes fuera de una sesión"),
        // Undocumented codes: the protocol notes say to treat them as transient.
        other => retryable(status(other, "generalError", "general error", "error general")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(code: i64) -> (String, bool, bool) {
        match describe(code).to_error() {
            ChannelError::Provider {
                reason,
                retryable,
                unreachable,
                retry_after,
            } => {
                assert_eq!(retry_after, None);
                (reason.to_string(), retryable, unreachable)
            }
            other => panic!("status {code} gave {other:?}"),
        }
    }

    #[test]
    fn every_documented_code_has_its_viber_name() {
        let names = [
            "ok",
            "invalidUrl",
            "invalidAuthToken",
            "badData",
            "missingData",
            "receiverNotRegistered",
            "receiverNotSubscribed",
            "publicAccountBlocked",
            "publicAccountNotFound",
            "publicAccountSuspended",
            "webhookNotSet",
            "receiverNoSuitableDevice",
            "tooManyRequests",
            "apiVersionNotSupported",
            "incompatibleWithVersion",
            "publicAccountNotAuthorized",
            "inchatReplyMessageNotAllowed",
            "publicAccountIsNotInline",
            "noPublicChat",
            "cannotSendBroadcast",
            "broadcastNotAllowed",
            "unsupportedCountry",
            "paymentUnsupported",
            "freeMessagesExceeded",
            "noBalance",
        ];
        for (code, name) in names.iter().enumerate() {
            let code = i64::try_from(code).expect("a small index");
            let status = describe(code);
            assert_eq!(status.code, code);
            assert_eq!(status.name, *name, "status {code}");
            assert!(!status.reason.is_empty());
        }
    }

    #[test]
    fn only_zero_is_ok() {
        assert!(describe(0).is_ok());
        for code in 1..=30 {
            assert!(!describe(code).is_ok(), "status {code}");
        }
    }

    #[test]
    fn an_invalid_token_is_a_bad_token() {
        let error = describe(2).to_error();
        assert_eq!(
            error,
            ChannelError::BadToken(
                "Viber: the auth token is invalid (status 2 invalidAuthToken)".into()
            )
        );
    }

    #[test]
    fn an_unusable_account_is_a_bad_token() {
        for code in [2, 7, 8, 9, 15] {
            assert!(
                matches!(describe(code).to_error(), ChannelError::BadToken(_)),
                "status {code}"
            );
        }
    }

    #[test]
    fn an_unsubscribed_customer_is_permanently_unreachable() {
        let (reason, retryable, unreachable) = provider(6);
        assert!(!retryable);
        assert!(unreachable);
        assert!(reason.contains("receiverNotSubscribed"), "{reason}");
    }

    #[test]
    fn a_customer_who_left_viber_is_permanently_unreachable() {
        let (reason, retryable, unreachable) = provider(5);
        assert!(!retryable);
        assert!(unreachable);
        assert!(reason.contains("not a Viber user"), "{reason}");
    }

    #[test]
    fn too_many_requests_is_retryable() {
        let (reason, retryable, unreachable) = provider(12);
        assert!(retryable);
        assert!(!unreachable);
        assert!(reason.contains("tooManyRequests"), "{reason}");
    }

    #[test]
    fn other_documented_failures_are_permanent_and_keep_the_customer_reachable() {
        for code in [1, 3, 4, 10, 11, 13, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24] {
            let (reason, retryable, unreachable) = provider(code);
            assert!(!retryable, "status {code}");
            assert!(!unreachable, "status {code}");
            assert!(reason.contains(&format!("status {code} ")), "{reason}");
        }
    }

    #[test]
    fn an_undocumented_code_is_a_retryable_general_error() {
        for code in [25, 999, -1] {
            let (reason, retryable, unreachable) = provider(code);
            assert!(retryable);
            assert!(!unreachable);
            assert_eq!(
                reason,
                format!("Viber: general error (status {code} generalError)")
            );
        }
    }
}
