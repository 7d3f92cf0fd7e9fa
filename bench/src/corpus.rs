//! Realistic customer text in English, Spanish and Russian, and names, chosen
//! by a small deterministic generator (runs are repeatable).

/// A tiny deterministic generator (SplitMix64): no dependency, repeatable runs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const FIRST_NAMES: &[&str] = &[
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Sofía",
    "Mateo",
    "Lucía",
    "Santiago",
    "Валерия",
    "Дмитрий",
    "Анна",
    "Иван",
    "Camila",
    "Diego",
    "Mia",
    "Oliver",
    "Екатерина",
    "Алексей",
    "Valentina",
    "Hugo",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "García",
    "Martínez",
    "Иванов",
    "Петрова",
    "Brown",
    "López",
    "Смирнов",
    "Fernández",
    "Wilson",
    "Кузнецова",
    "Taylor",
    "Rodríguez",
    "Попов",
    "Moore",
];

const ENGLISH: &[&str] = &[
    "Hi, I ordered a {item} last week and it still has not arrived. Order {n}.",
    "Can I change the delivery address for order {n}?",
    "The {item} I received is broken, I would like a refund please.",
    "Do you have the {item} in blue? I need it before Friday.",
    "Thanks a lot, the {item} works perfectly now!",
    "How long does shipping to Canada usually take?",
    "I was charged twice for order {n}, can you check?",
    "Is there a discount if I buy three {item}s?",
];
const SPANISH: &[&str] = &[
    "Hola, hice un pedido de un {item} y todavía no llega. Pedido {n}.",
    "¿Puedo cambiar la dirección de envío del pedido {n}?",
    "El {item} llegó roto, quiero un reembolso por favor.",
    "¿Tienen el {item} en color azul? Lo necesito antes del viernes.",
    "Muchas gracias, ¡el {item} ya funciona perfectamente!",
    "¿Cuánto tarda el envío a México normalmente?",
    "Me cobraron dos veces el pedido {n}, ¿pueden revisarlo?",
    "Mañana paso a recoger el {item}, ¿a qué hora abren?",
];
const RUSSIAN: &[&str] = &[
    "Здравствуйте, я заказал {item} на прошлой неделе, но заказ {n} так и не пришёл.",
    "Можно изменить адрес доставки для заказа {n}?",
    "{item} пришёл сломанным, хочу вернуть деньги.",
    "Есть ли {item} синего цвета? Нужно до пятницы.",
    "Спасибо большое, {item} теперь работает отлично!",
    "Сколько обычно идёт доставка в Казахстан?",
    "С меня дважды списали оплату за заказ {n}, проверьте, пожалуйста.",
    "Подскажите, когда будет скидка на {item}?",
];
const ITEMS: &[&str] = &[
    "kettle",
    "laptop",
    "bicicleta",
    "cafetera",
    "наушники",
    "рюкзак",
    "phone case",
    "lámpara",
];
const REPLIES: &[&str] = &[
    "Thanks for writing! Let me check that for you.",
    "¡Gracias por escribirnos! Lo reviso enseguida.",
    "Спасибо за обращение! Сейчас проверю.",
    "Your refund was approved, you will see it in 3-5 days.",
    "Su pedido sale mañana por la mañana.",
    "Заказ уже передан в доставку.",
];

/// Words that occur in the texts above, for search queries.
pub const SEARCH_WORDS: &[&str] = &["refund", "pedido", "заказ", "delivery", "envío", "доставка"];

/// A customer's full name.
pub fn name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES))
}

/// A customer's message (English, Spanish or Russian in turn).
pub fn customer_text(rng: &mut Rng) -> String {
    let templates = match rng.below(3) {
        0 => ENGLISH,
        1 => SPANISH,
        _ => RUSSIAN,
    };
    rng.pick(templates)
        .replace("{item}", rng.pick(ITEMS))
        .replace("{n}", &format!("#{}", 10_000 + rng.below(90_000)))
}

/// An employee's reply.
pub fn reply_text(rng: &mut Rng) -> String {
    rng.pick(REPLIES).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_filled_in_and_repeatable() {
        let a: Vec<String> = (0..20)
            .map({
                let mut rng = Rng::new(7);
                move |_| customer_text(&mut rng)
            })
            .collect();
        let b: Vec<String> = (0..20)
            .map({
                let mut rng = Rng::new(7);
                move |_| customer_text(&mut rng)
            })
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|t| !t.contains('{')));
    }
}
