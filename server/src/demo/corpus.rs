//! The demo's words: customer names and conversations in English, Spanish and
//! Russian, shared by the seeded history and the simulator's live traffic.

use rand::seq::SliceRandom;
use rand::Rng;

/// How a conversation about a topic tends to end for the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A small order that is usually won.
    Order,
    /// A big order that goes through proposal and negotiation.
    Project,
    /// A problem with an order: no amount, sometimes lost.
    Problem,
    /// A question before buying.
    Question,
}

/// What a topic is about, the same in every language.
#[derive(Debug)]
pub struct TopicMeta {
    pub tag: &'static str,
    /// Deal amount range (in euros; roubles are scaled).
    pub amount: (u32, u32),
    pub outcome: Outcome,
}

pub const TOPICS: [TopicMeta; 8] = [
    TopicMeta {
        tag: "delivery",
        amount: (40, 180),
        outcome: Outcome::Order,
    },
    TopicMeta {
        tag: "wholesale",
        amount: (900, 6_000),
        outcome: Outcome::Project,
    },
    TopicMeta {
        tag: "exchange",
        amount: (30, 120),
        outcome: Outcome::Problem,
    },
    TopicMeta {
        tag: "delivery",
        amount: (25, 90),
        outcome: Outcome::Order,
    },
    TopicMeta {
        tag: "pre-sale",
        amount: (60, 300),
        outcome: Outcome::Question,
    },
    TopicMeta {
        tag: "payment",
        amount: (0, 0),
        outcome: Outcome::Problem,
    },
    TopicMeta {
        tag: "b2b",
        amount: (3_000, 15_000),
        outcome: Outcome::Project,
    },
    TopicMeta {
        tag: "promo",
        amount: (15, 80),
        outcome: Outcome::Order,
    },
];

/// One language's names and texts.
#[derive(Debug)]
pub struct Language {
    pub code: &'static str,
    /// Deal amounts are multiplied by this (roubles rather than euros).
    pub currency_scale: u32,
    pub male: &'static [&'static str],
    pub female: &'static [&'static str],
    pub surnames: &'static [&'static str],
    /// Feminine surnames, when the language has them.
    pub surnames_female: Option<&'static [&'static str]>,
    /// Per topic: a deal title and the conversation, customer first,
    /// then alternating with the manager.
    pub topics: [(&'static str, &'static [&'static str]); 8],
    pub captions: &'static [&'static str],
    pub returning: &'static [&'static str],
    pub welcome_back: &'static [&'static str],
    pub comments: &'static [&'static str],
    /// Live traffic: what someone writes out of the blue.
    pub live: &'static [&'static str],
    /// A city centre for shared locations.
    pub city: (f64, f64),
}

pub fn languages() -> [&'static Language; 3] {
    [&ENGLISH, &SPANISH, &RUSSIAN]
}

/// The language with this code (English for anything unknown).
pub fn language(code: &str) -> &'static Language {
    languages()
        .into_iter()
        .find(|language| language.code == code)
        .unwrap_or(&ENGLISH)
}

/// A language picked with the demo's mix: 45 % English, 30 % Spanish, 25 % Russian.
pub fn pick_language(rng: &mut impl Rng) -> &'static Language {
    match rng.gen_range(0..100) {
        0..45 => &ENGLISH,
        45..75 => &SPANISH,
        _ => &RUSSIAN,
    }
}

/// A person's first name, surname (sometimes none) and a Telegram-style
/// username (sometimes none; Latin names only).
pub fn pick_name(
    rng: &mut impl Rng,
    language: &Language,
) -> (String, Option<String>, Option<String>) {
    let female = rng.gen_bool(0.5);
    let firsts = if female {
        language.female
    } else {
        language.male
    };
    let first = firsts.choose(rng).copied().unwrap_or("Alex");
    let surnames = match (female, language.surnames_female) {
        (true, Some(feminine)) => feminine,
        _ => language.surnames,
    };
    let index = rng.gen_range(0..surnames.len().max(1));
    let last = surnames.get(index).copied().filter(|_| rng.gen_bool(0.75));
    let username = (language.code != "ru" && rng.gen_bool(0.4)).then(|| {
        let base = match last {
            Some(last) => format!("{}_{}", ascii(first), ascii(last)),
            None => ascii(first),
        };
        format!("{base}{}", rng.gen_range(1..99))
    });
    (first.to_owned(), last.map(str::to_owned), username)
}

fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'Á' => Some('a'),
            'é' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'Ó' => Some('o'),
            'ú' | 'ü' | 'Ú' => Some('u'),
            'ñ' | 'Ñ' => Some('n'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Deep-link payloads customers arrive with.
pub const REFERRALS: &[&str] = &["instagram_ad", "spring_sale", "site_footer", "qr_store"];

pub const TAGS_EXTRA: &[&str] = &["vip", "urgent", "repeat-customer", "new-customer"];

pub const TASKS: &[&str] = &[
    "Prepare the wholesale price list for Q3",
    "Call back: office furniture quote",
    "Check the double charge with the bank",
    "Update delivery terms on the website",
    "Restock sand-coloured ceramic mugs",
    "Send samples to Café Aroma",
    "Review this week's refund requests",
    "Translate the catalogue into Spanish",
];

pub const PROJECTS: &[&str] = &[
    "Spring sale 2026",
    "B2B onboarding",
    "Marketplace launch",
    "Loyalty programme",
];

pub const GREETING: &str = "Hi! 👋 Thanks for writing to Tidings Demo Shop. \
¡Hola! Gracias por escribirnos. Здравствуйте! Спасибо, что написали.";
pub const AWAY_TEXT: &str = "We are closed right now and will answer as soon as we are back. \
Ahora estamos cerrados; te responderemos en cuanto volvamos. \
Сейчас мы закрыты и ответим, как только вернёмся.";
pub const AUTO_REPLY: &str = "A manager will answer within a few minutes \
(Mon–Fri 9:00–19:00). Un gestor te responderá en unos minutos. \
Менеджер ответит в течение нескольких минут.";

static ENGLISH: Language = Language {
    code: "en",
    currency_scale: 1,
    male: &["James", "Oliver", "Harry", "Jack", "George", "Noah", "Liam", "Ethan", "Thomas", "Daniel", "Samuel", "Lucas"],
    female: &["Emma", "Olivia", "Amelia", "Isla", "Sophie", "Grace", "Chloe", "Emily", "Lily", "Hannah", "Charlotte", "Mia"],
    surnames: &["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Roberts", "Walker", "Wright", "Thompson", "White", "Hughes", "Green", "Hall", "Clarke"],
    surnames_female: None,
    topics: [
        ("Running shoes order", &[
            "Hi! I ordered running shoes on Monday (order #48213). Any idea when they ship?",
            "Hello! Let me check… Your order left our warehouse this morning. Tracking number: RR482130957GB.",
            "Great, thanks! Will it arrive before the weekend?",
            "It usually takes 2–3 business days, so most likely on Friday. I'll keep an eye on it.",
            "Perfect 👍",
        ]),
        ("Café mugs — wholesale", &[
            "Hello, do you offer wholesale prices? We run a small café chain and need ceramic mugs.",
            "Hi! Yes: 12% off from 50 units and 20% from 200. How many do you need?",
            "Around 120 mugs, in white and sand colours.",
            "Great choice. I'll prepare a quote for 120 mugs with delivery and send it here within the hour.",
            "Thank you, waiting for it.",
            "Here it is: 120 × €7.90 = €948 including delivery. The offer is valid for 14 days.",
        ]),
        ("Jacket exchange", &[
            "The jacket I received is too small. Can I exchange it for an L?",
            "Of course! Use the prepaid return label in the parcel, and we'll ship the L as soon as yours arrives.",
            "Done, dropped it off at the post office today.",
            "Thanks! I'll let you know when the new one is on its way.",
        ]),
        ("Order #50411", &[
            "I just placed order #50411 but typed the wrong street. Can you change the delivery address?",
            "Sure, it hasn't shipped yet. What's the correct address?",
            "14 Baker Lane, flat 3, Bristol BS1 4QA.",
            "Updated! The courier will deliver to 14 Baker Lane, flat 3.",
        ]),
        ("Nova blender", &[
            "Is the Nova blender dishwasher-safe?",
            "The jug and the lid are; the base with the motor should only be wiped with a damp cloth.",
            "And how loud is it? I have a baby at home 🙂",
            "About 78 dB at top speed, quieter than most. It also has a quiet pulse mode.",
            "OK, I'll take it. Can I pay on delivery?",
            "Yes, cash or card on delivery is fine.",
        ]),
        ("Order #50977 — double charge", &[
            "My card was charged twice for order #50977!",
            "I'm sorry about that. One of the charges is a pre-authorisation; your bank will release it within 3 business days.",
            "OK, but please make sure it really disappears.",
            "Absolutely. I've noted it and will check with our payments team on Thursday.",
        ]),
        ("Office furniture — 25 seats", &[
            "Good morning! We're furnishing a new office for 25 people. Do you deliver and assemble desks and chairs?",
            "Good morning! Yes, delivery and assembly are free for orders over €2,000. Do you have a floor plan?",
            "I'll send it today. We need 25 desks, 25 chairs and 3 meeting tables.",
            "Thanks! I'll put together two options, standard and premium, by tomorrow.",
            "Sounds good. Our budget is around €12,000.",
        ]),
        ("Spring order", &[
            "The code SPRING15 doesn't work at checkout 😕",
            "Sorry about that! The code applies to orders over €50 and your cart is €46. Add anything small and it will work.",
            "Ah, I see. It works now, thanks!",
            "You're welcome, enjoy your purchase!",
        ]),
    ],
    captions: &["Here is a photo of the item", "This is what arrived 😕", "Like this one?"],
    returning: &["Hi again! I'd like to order the same thing once more.", "Hello, it's me again: a quick question about my last order."],
    welcome_back: &["Welcome back! Of course, I'll set it up right away.", "Hi! Happy to help again. What's the question?"],
    comments: &[
        "Asked the warehouse, waiting for an answer.",
        "VIP customer: offer free delivery next time.",
        "Call back on Monday about the quote.",
        "Payments team confirmed the refund.",
        "Possible wholesale lead, Diego please have a look.",
    ],
    live: &[
        "Hi, is anyone there?", "Do you have this in blue?", "What are your opening hours?",
        "Can I pay by bank transfer?", "How much is delivery to Manchester?", "Is the sale still on?",
        "I'd like to return an item.", "Do you ship abroad?", "Thanks for the quick answer!",
        "Where is my order? It's been a week.", "Can I pick it up from the shop?", "Do you sell gift cards?",
    ],
    city: (51.5074, -0.1278),
};

static SPANISH: Language = Language {
    code: "es",
    currency_scale: 1,
    male: &["Alejandro", "Pablo", "Javier", "Carlos", "Diego", "Sergio", "Miguel", "Andrés", "Jorge", "Raúl", "Mateo", "Hugo"],
    female: &["María", "Lucía", "Carmen", "Sofía", "Paula", "Elena", "Laura", "Marta", "Isabel", "Valeria", "Andrea", "Claudia"],
    surnames: &["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez"],
    surnames_female: None,
    topics: [
        ("Pedido de zapatillas", &[
            "¡Hola! Hice un pedido de zapatillas el lunes (pedido #48213). ¿Sabéis cuándo sale?",
            "¡Hola! Déjame revisar… Tu pedido salió del almacén esta mañana. Número de seguimiento: RR482130957ES.",
            "¡Genial, gracias! ¿Llegará antes del fin de semana?",
            "Normalmente tarda 2–3 días laborables, así que lo más probable es que llegue el viernes.",
            "¡Perfecto! 👍",
        ]),
        ("Tazas para cafeterías — mayorista", &[
            "Hola, ¿tenéis precios al por mayor? Tenemos una pequeña cadena de cafeterías y necesitamos tazas de cerámica.",
            "¡Hola! Sí: un 12 % de descuento a partir de 50 unidades y un 20 % a partir de 200. ¿Cuántas necesitáis?",
            "Unas 120 tazas, en blanco y color arena.",
            "Buena elección. Te preparo un presupuesto para 120 tazas con envío y te lo mando por aquí en una hora.",
            "Gracias, quedo a la espera.",
            "Aquí lo tienes: 120 × 7,90 € = 948 € con envío incluido. Válido durante 14 días.",
        ]),
        ("Cambio de chaqueta", &[
            "La chaqueta que recibí me queda pequeña. ¿Puedo cambiarla por una talla L?",
            "¡Claro! Usa la etiqueta de devolución prepagada del paquete y te enviamos la L en cuanto recibamos la tuya.",
            "Hecho, la he dejado hoy en Correos.",
            "¡Gracias! Te aviso cuando la nueva esté en camino.",
        ]),
        ("Pedido #50411", &[
            "Acabo de hacer el pedido #50411 pero me equivoqué de calle. ¿Podéis cambiar la dirección de entrega?",
            "Claro, todavía no ha salido. ¿Cuál es la dirección correcta?",
            "Calle Mayor 14, 3.º B, 28013 Madrid.",
            "¡Actualizado! El mensajero lo entregará en Calle Mayor 14, 3.º B.",
        ]),
        ("Batidora Nova", &[
            "¿La batidora Nova se puede meter en el lavavajillas?",
            "La jarra y la tapa sí; la base con el motor solo se limpia con un paño húmedo.",
            "¿Y hace mucho ruido? Tengo un bebé en casa 🙂",
            "Unos 78 dB a máxima velocidad, menos que la mayoría. También tiene un modo pulso silencioso.",
            "Vale, me la llevo. ¿Puedo pagar contra reembolso?",
            "Sí, en efectivo o con tarjeta al recibirla.",
        ]),
        ("Pedido #50977 — cobro doble", &[
            "¡Me habéis cobrado dos veces el pedido #50977!",
            "Lo siento mucho. Uno de los cargos es una preautorización: tu banco la liberará en 3 días laborables.",
            "Vale, pero aseguraos de que desaparezca de verdad.",
            "Por supuesto. Lo he anotado y lo revisaré con el equipo de pagos el jueves.",
        ]),
        ("Mobiliario de oficina — 25 puestos", &[
            "¡Buenos días! Estamos amueblando una oficina nueva para 25 personas. ¿Entregáis y montáis mesas y sillas?",
            "¡Buenos días! Sí, la entrega y el montaje son gratis en pedidos de más de 2.000 €. ¿Tenéis un plano?",
            "Os lo mando hoy. Necesitamos 25 mesas, 25 sillas y 3 mesas de reuniones.",
            "¡Gracias! Para mañana te preparo dos opciones, estándar y prémium.",
            "Perfecto. Nuestro presupuesto ronda los 12.000 €.",
        ]),
        ("Pedido de primavera", &[
            "El código PRIMAVERA15 no funciona al pagar 😕",
            "¡Perdona! El código es para pedidos de más de 50 € y tu carrito suma 46 €. Añade cualquier cosita y funcionará.",
            "Ah, vale. ¡Ya funciona, gracias!",
            "¡De nada, que lo disfrutes!",
        ]),
    ],
    captions: &["Aquí tienes una foto", "Esto es lo que me llegó 😕", "¿Como esta?"],
    returning: &["¡Hola de nuevo! Quiero repetir el mismo pedido.", "Hola, soy yo otra vez: una pregunta sobre mi último pedido."],
    welcome_back: &["¡Bienvenido de nuevo! Claro, lo preparo ahora mismo.", "¡Hola! Encantados de ayudarte otra vez. ¿Cuál es la pregunta?"],
    comments: &[
        "Pendiente de confirmar stock con el almacén.",
        "Cliente habitual: ofrecer envío gratis.",
        "Llamar el lunes para cerrar el presupuesto.",
    ],
    live: &[
        "Hola, ¿hay alguien?", "¿Lo tenéis en azul?", "¿Cuál es vuestro horario?",
        "¿Puedo pagar por transferencia?", "¿Cuánto cuesta el envío a Sevilla?", "¿Sigue la oferta?",
        "Quiero devolver un artículo.", "¿Enviáis al extranjero?", "¡Gracias por la respuesta tan rápida!",
        "¿Dónde está mi pedido? Ya ha pasado una semana.", "¿Puedo recogerlo en la tienda?", "¿Tenéis tarjetas regalo?",
    ],
    city: (40.4168, -3.7038),
};

static RUSSIAN: Language = Language {
    code: "ru",
    currency_scale: 80,
    male: &["Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Никита", "Павел", "Артём", "Егор", "Максим", "Олег"],
    female: &["Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Елена", "Татьяна", "Ирина", "Дарья", "Юлия", "Полина", "Светлана"],
    surnames: &["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"],
    surnames_female: Some(&["Иванова", "Смирнова", "Кузнецова", "Попова", "Васильева", "Петрова", "Соколова", "Михайлова", "Новикова", "Фёдорова", "Морозова", "Волкова", "Алексеева", "Лебедева", "Семёнова", "Егорова"]),
    topics: [
        ("Заказ кроссовок", &[
            "Здравствуйте! В понедельник заказал кроссовки (заказ №48213). Когда отправите?",
            "Здравствуйте! Сейчас проверю… Заказ сегодня утром уехал со склада. Трек-номер: RR482130957RU.",
            "Отлично, спасибо! До выходных придёт?",
            "Обычно доставка занимает 2–3 рабочих дня, так что, скорее всего, в пятницу.",
            "Супер 👍",
        ]),
        ("Кружки для кофеен — опт", &[
            "Добрый день! У вас есть оптовые цены? У нас небольшая сеть кофеен, нужны керамические кружки.",
            "Добрый день! Да: от 50 штук скидка 12 %, от 200 — 20 %. Сколько вам нужно?",
            "Примерно 120 кружек, белые и песочные.",
            "Отличный выбор. Подготовлю предложение на 120 кружек с доставкой и пришлю сюда в течение часа.",
            "Спасибо, ждём.",
            "Вот расчёт: 120 × 690 ₽ = 82 800 ₽ с доставкой. Предложение действует 14 дней.",
        ]),
        ("Обмен куртки", &[
            "Куртка, которую я получила, маловата. Можно обменять на размер L?",
            "Конечно! Отправьте её обратно по оплаченной этикетке из посылки, и мы вышлем L, как только получим вашу.",
            "Готово, сегодня отнесла на почту.",
            "Спасибо! Напишу, когда новая будет в пути.",
        ]),
        ("Заказ №50411", &[
            "Только что оформил заказ №50411, но ошибся в адресе. Можно поменять адрес доставки?",
            "Да, заказ ещё не отправлен. Какой правильный адрес?",
            "ул. Ленина, д. 14, кв. 3, Казань.",
            "Готово! Курьер привезёт на ул. Ленина, д. 14, кв. 3.",
        ]),
        ("Блендер Nova", &[
            "Блендер Nova можно мыть в посудомойке?",
            "Чашу и крышку — да, а блок с мотором только протирать влажной тканью.",
            "А он громкий? У меня дома маленький ребёнок 🙂",
            "Около 78 дБ на максимальной скорости — тише большинства. Есть ещё тихий импульсный режим.",
            "Хорошо, беру. Можно оплатить при получении?",
            "Да, наличными или картой курьеру.",
        ]),
        ("Заказ №50977 — двойное списание", &[
            "С карты дважды списали деньги за заказ №50977!",
            "Приносим извинения. Одно из списаний — предавторизация, банк вернёт её в течение 3 рабочих дней.",
            "Хорошо, но проследите, пожалуйста, чтобы деньги правда вернулись.",
            "Обязательно. Я записала и в четверг уточню у отдела платежей.",
        ]),
        ("Мебель для офиса — 25 мест", &[
            "Доброе утро! Обставляем новый офис на 25 человек. Вы доставляете и собираете столы и кресла?",
            "Доброе утро! Да, доставка и сборка бесплатны при заказе от 150 000 ₽. Есть план помещения?",
            "Пришлю сегодня. Нужно 25 столов, 25 кресел и 3 стола для переговорных.",
            "Спасибо! К завтрашнему дню подготовлю два варианта: стандарт и премиум.",
            "Отлично. Бюджет — около 900 000 ₽.",
        ]),
        ("Весенний заказ", &[
            "Промокод ВЕСНА15 не срабатывает при оплате 😕",
            "Извините! Промокод действует на заказы от 3 000 ₽, а в корзине 2 800 ₽. Добавьте любую мелочь — и всё заработает.",
            "А, понял. Теперь сработало, спасибо!",
            "Пожалуйста, приятных покупок!",
        ]),
    ],
    captions: &["Вот фото", "Вот что пришло 😕", "Вот такой?"],
    returning: &["Снова здравствуйте! Хочу повторить заказ.", "Здравствуйте, это снова я — вопрос по прошлому заказу."],
    welcome_back: &["С возвращением! Конечно, сейчас всё оформлю.", "Здравствуйте! Рады помочь снова. Какой вопрос?"],
    comments: &[
        "Уточнить у склада наличие песочных кружек.",
        "Постоянный клиент — предложить бесплатную доставку.",
        "Перезвонить в понедельник по поводу предложения.",
    ],
    live: &[
        "Здравствуйте, есть кто-нибудь?", "А есть такой же, но синий?", "Во сколько вы открываетесь?",
        "Можно оплатить переводом?", "Сколько стоит доставка в Новосибирск?", "Скидки ещё действуют?",
        "Хочу вернуть товар.", "Доставляете за границу?", "Спасибо за быстрый ответ!",
        "Где мой заказ? Уже неделя прошла.", "Можно забрать самовывозом?", "У вас есть подарочные сертификаты?",
    ],
    city: (55.7558, 37.6173),
};

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn every_language_has_every_topic_starting_with_the_customer() {
        for language in languages() {
            for (title, lines) in language.topics {
                assert!(!title.is_empty());
                assert!(lines.len() >= 4, "{title}");
            }
            assert!(!language.live.is_empty() && !language.captions.is_empty());
        }
    }

    #[test]
    fn names_are_in_the_language_and_usernames_are_plain_ascii() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..200 {
            let language = pick_language(&mut rng);
            let (first, _, username) = pick_name(&mut rng, language);
            assert!(!first.is_empty());
            if let Some(username) = username {
                assert!(
                    username
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "{username}"
                );
            }
        }
    }
}
