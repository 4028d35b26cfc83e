//! Configuration parsing: a TOML file's text over the defaults (`Config::from_toml`) and
//! the `ACCOUNTD_…` environment (`Config::load`, with `KEY=value` lines of the input set
//! as variables). Never a panic; a configuration that loads is valid, and loads again to
//! the same configuration from its own serialised form.
#![no_main]

use std::sync::Once;

use accountd_server::config::Config;
use figment::providers::Serialized;
use figment::Figment;
use libfuzzer_sys::fuzz_target;

fn check(config: &Config) {
    config.validate().expect("a loaded configuration is valid");
    let masked = config.to_masked_json();
    serde_json::from_str::<serde_json::Value>(&masked).expect("the masked configuration is JSON");
    let again: Config = Figment::from(Serialized::defaults(config)).extract().expect("it loads from its own form");
    assert_eq!(again.to_masked_json(), masked);
}

/// `ACCOUNTD_…` variables the fuzzer inherited (a developer's shell, `ACCOUNTD_FUZZ_SECONDS`)
/// would be read by every `Config::load`: the environment the target sees is its input only.
static INHERITED_ENVIRONMENT_CLEARED: Once = Once::new();

fuzz_target!(|input: &str| {
    INHERITED_ENVIRONMENT_CLEARED.call_once(|| {
        for (key, _) in std::env::vars_os() {
            if key.to_str().is_some_and(|key| key.starts_with("ACCOUNTD_")) {
                std::env::remove_var(key);
            }
        }
    });
    // Before the first NUL: a TOML file; after it: environment variables, one a line.
    let (toml, env) = input.split_once('\0').unwrap_or((input, ""));
    if let Ok(config) = Config::from_toml(toml) {
        check(&config);
    }
    let variables: Vec<(String, &str)> = env
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(key, value)| !key.is_empty() && !key.contains(['=', '\0']) && !value.contains('\0'))
        .map(|(key, value)| (format!("ACCOUNTD_{key}"), value))
        .filter(|(key, _)| key != "ACCOUNTD_CONFIG")
        .collect();
    if variables.is_empty() {
        return;
    }
    for (key, value) in &variables {
        std::env::set_var(key, value);
    }
    let loaded = Config::load();
    for (key, _) in &variables {
        std::env::remove_var(key);
    }
    if let Ok(config) = loaded {
        check(&config);
    }
});
