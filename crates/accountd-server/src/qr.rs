//! The QR code of an `otpauth://` URI as a PNG data URI, made in-process
//! (no image service sees the secret).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qrcodegen::{QrCode, QrCodeEcc};

/// Pixels per QR module, and the quiet zone in modules the standard asks for.
const SCALE: usize = 6;
const BORDER: usize = 4;

/// `data:image/png;base64,…` showing `text` as a QR code; `None` if it can't be encoded.
pub fn png_data_uri(text: &str) -> Option<String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let modules = usize::try_from(qr.size()).ok()?;
    let side = (modules + 2 * BORDER) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            let dark = qr.get_module(i32::try_from(x).ok()?, i32::try_from(y).ok()?);
            if dark {
                for dy in 0..SCALE {
                    let row = (BORDER + y) * SCALE + dy;
                    let start = row * side + (BORDER + x) * SCALE;
                    pixels[start..start + SCALE].fill(0);
                }
            }
        }
    }
    let mut png = Vec::new();
    {
        let side = u32::try_from(side).ok()?;
        let mut encoder = png::Encoder::new(&mut png, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
        writer.finish().ok()?;
    }
    Some(format!("data:image/png;base64,{}", STANDARD.encode(png)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_png_data_uri() {
        let uri = png_data_uri("otpauth://totp/accountd:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let png = STANDARD.decode(uri.strip_prefix("data:image/png;base64,").unwrap()).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
