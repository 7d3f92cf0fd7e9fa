//! Small PNG pictures the simulated customers "take": a sky, a sun and hills
//! whose colours and positions come from a number, so any picture can be made
//! again from its name alone (`sim-photo-<n>.png`) and nothing is stored.
//! Written by hand (stored deflate blocks, CRC-32, Adler-32): a few lines
//! instead of an image library.

const WIDTH: u32 = 192;
const HEIGHT: u32 = 144;

/// The file name of picture `seed`.
pub fn photo_name(seed: u64) -> String {
    format!("sim-photo-{seed}.png")
}

/// The seed of a picture file name made by [`photo_name`].
pub fn parse_photo_name(name: &str) -> Option<u64> {
    name.strip_prefix("sim-photo-")?
        .strip_suffix(".png")?
        .parse()
        .ok()
}

/// The PNG bytes of picture `seed`.
pub fn photo(seed: u64) -> Vec<u8> {
    let mut mix = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66;
    let mut next = |range: u32| -> u32 {
        mix ^= mix << 13;
        mix ^= mix >> 7;
        mix ^= mix << 17;
        (mix % u64::from(range.max(1))) as u32
    };
    let sky = [
        next(120) as u8 + 60,
        next(120) as u8 + 90,
        200 + next(55) as u8,
    ];
    let ground = [
        40 + next(80) as u8,
        110 + next(100) as u8,
        40 + next(60) as u8,
    ];
    let sun = (40 + next(WIDTH - 80), 20 + next(40), 12 + next(14));
    let hill = (next(WIDTH), 60 + next(30));
    let mut raw = Vec::with_capacity(((WIDTH * 3 + 1) * HEIGHT) as usize);
    for y in 0..HEIGHT {
        raw.push(0); // filter type: none
        for x in 0..WIDTH {
            let dx = i64::from(x) - i64::from(sun.0);
            let dy = i64::from(y) - i64::from(sun.1);
            let in_sun = dx * dx + dy * dy <= i64::from(sun.2 * sun.2);
            let hx = (i64::from(x) - i64::from(hill.0)).abs();
            let horizon = i64::from(HEIGHT) - i64::from(hill.1) + hx * hx / 220;
            let pixel = if i64::from(y) >= horizon.min(i64::from(HEIGHT) - 18) {
                ground
            } else if in_sun {
                [250, 210, 80]
            } else {
                let fade = (y * 60 / HEIGHT) as u8;
                [
                    sky[0].saturating_add(fade),
                    sky[1].saturating_add(fade),
                    sky[2],
                ]
            };
            raw.extend_from_slice(&pixel);
        }
    }
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&WIDTH.to_be_bytes());
    header.extend_from_slice(&HEIGHT.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed ("stored") deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 65_535;
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(BLOCK).collect();
    for (index, block) in blocks.iter().enumerate() {
        let last = index + 1 == blocks.len();
        out.push(u8::from(last));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    if blocks.is_empty() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_and_adler_match_known_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn a_picture_is_a_png_made_again_from_its_name() {
        let bytes = photo(7);
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(bytes, photo(7));
        assert_ne!(bytes, photo(8));
        assert_eq!(parse_photo_name(&photo_name(42)), Some(42));
        assert_eq!(parse_photo_name("sim-photo-x.png"), None);
        assert_eq!(parse_photo_name("../etc/passwd"), None);
    }
}
