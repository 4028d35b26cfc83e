//! The user-agent parser (`device::parse`, woothee): never a panic, every field filled,
//! the platform one of the documented values, and `isBot` exactly when it is a bot.
#![no_main]

use accountd_server::device;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|agent: &str| {
    let parsed = device::parse(Some(agent));
    for field in [&parsed.browser, &parsed.version, &parsed.os, &parsed.platform] {
        assert!(!field.is_empty());
    }
    assert!(["desktop", "mobile", "appliance", "bot", "unknown"].contains(&parsed.platform.as_str()));
    assert_eq!(parsed.is_bot, parsed.platform == "bot");
    assert_eq!(device::parse(Some(agent)), parsed, "the parser is deterministic");
});
