//! Receiving: a payment link (this page with `#/pay/ADDRESS[/AMOUNT]`:
//! opening it shows the wallet with its send form filled) and its QR code,
//! drawn as one SVG path.

use qrcodegen::{QrCode, QrCodeEcc};
use tabcoin_chain::Address;

use crate::ui::route::Route;

/// The link that asks for `amount` (or any amount) to be paid to `to`, on
/// the page `page` (its address without the fragment: it names the
/// network).
pub fn payment_link(page: &str, to: &Address, amount: Option<u64>) -> String {
    format!("{page}{}", Route::Pay(*to, amount).href())
}

/// A QR code of `text`: its width in modules and an SVG path drawing its
/// dark modules (one unit square each); `None` if the text is too long for
/// any QR code.
pub fn qr_path(text: &str) -> Option<(i32, String)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    Some((size, path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabcoin_chain::Wallet;

    fn address() -> Address {
        Wallet::from_secret([5; 32])
            .map(|w| w.address())
            .unwrap_or_else(|_| panic!("valid"))
    }

    #[test]
    fn a_payment_link_opens_the_pay_route_of_its_page() {
        let page = "http://127.0.0.1:8080/?net=test";
        let link = payment_link(page, &address(), Some(25));
        assert_eq!(link, format!("{page}#/pay/{}/25", address()));
        let (_, fragment) = link.split_once('#').unwrap_or_default();
        assert_eq!(Route::parse(fragment), Route::Pay(address(), Some(25)));
        let any = payment_link(page, &address(), None);
        assert_eq!(
            Route::parse(any.split_once('#').map_or("", |(_, f)| f)),
            Route::Pay(address(), None)
        );
    }

    #[test]
    fn a_link_becomes_a_qr_code_of_unit_squares() {
        let link = payment_link("http://127.0.0.1:8080/?net=test", &address(), Some(25));
        let Some((size, path)) = qr_path(&link) else {
            panic!("a link fits");
        };
        assert!(
            (21..=177).contains(&size) && (size - 17) % 4 == 0,
            "a QR size: {size}"
        );
        let dark = path.matches('M').count() as i32;
        assert!(
            dark > size * size / 4 && dark < size * size * 3 / 4,
            "{dark} dark of {}",
            size * size
        );
        assert_eq!(
            qr_path(&"x".repeat(5_000)),
            None,
            "too long for any version"
        );
    }
}
