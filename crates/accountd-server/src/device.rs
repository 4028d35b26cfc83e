//! The device a request came from, read from its user agent with woothee
//! (a maintained port of the Woothee project's rules, with no regex start-up cost).

use accountd_core::user::Device;

const UNKNOWN: &str = "UNKNOWN";

pub fn parse(user_agent: Option<&str>) -> Device {
    let Some(agent) = user_agent.filter(|agent| !agent.is_empty()) else {
        return Device::unknown();
    };
    let Some(result) = woothee::parser::Parser::new().parse(agent) else {
        return Device::unknown();
    };
    let known = |value: &str| {
        if value.is_empty() || value == UNKNOWN {
            "unknown".to_string()
        } else {
            value.to_string()
        }
    };
    Device {
        browser: known(result.name),
        version: known(result.version),
        os: known(result.os),
        platform: match result.category {
            "pc" => "desktop".into(),
            "smartphone" => "mobile".into(),
            "mobilephone" => "mobile".into(),
            "appliance" => "appliance".into(),
            "crawler" => "bot".into(),
            _ => "unknown".into(),
        },
        is_bot: result.category == "crawler",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_desktop_browser() {
        let device = parse(Some(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        ));
        assert_eq!(device.browser, "Chrome");
        assert_eq!(device.version, "120.0.0.0");
        assert_eq!(device.os, "Linux");
        assert_eq!(device.platform, "desktop");
        assert!(!device.is_bot);
    }

    #[test]
    fn reads_a_phone() {
        let device = parse(Some(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        ));
        assert_eq!(device.os, "iPhone");
        assert_eq!(device.platform, "mobile");
    }

    #[test]
    fn recognizes_bots() {
        let device = parse(Some("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"));
        assert!(device.is_bot);
    }

    #[test]
    fn unknown_agents_are_unknown() {
        assert_eq!(parse(None), Device::unknown());
        assert_eq!(parse(Some("")), Device::unknown());
        assert_eq!(parse(Some("definitely not a browser")).browser, "unknown");
    }
}
