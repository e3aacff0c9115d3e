//! The `--smtp-config` file: probe settings in TOML (`key = "text"`, `key = 3`,
//! `key = true`), read before any flag overrides them.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings read from a `--smtp-config` file. Every key is optional; unknown keys are errors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// HELO/EHLO name (`--helo`).
    pub helo: Option<String>,
    /// `MAIL FROM` address (`--mail-from`).
    pub mail_from: Option<String>,
    /// SMTP port (`--smtp-port`).
    pub port: Option<u16>,
    /// RCPT TO commands per second per domain (`--smtp-rate`).
    pub rate: Option<f64>,
    /// Connections at once to one mail server address (`--smtp-per-host`).
    pub per_host: Option<usize>,
    /// Recipients asked per session (`--smtp-batch`).
    pub batch: Option<usize>,
    /// Sessions at once across all servers (`--smtp-concurrency`).
    pub concurrency: Option<usize>,
    /// Seconds to wait for the banner and for each reply (`--smtp-timeout`).
    pub timeout: Option<f64>,
    /// Seconds to wait before asking again after greylisting (`--greylist-wait`).
    pub greylist_wait: Option<f64>,
    /// Times to ask again after greylisting (`--greylist-retries`).
    pub greylist_retries: Option<u32>,
    /// Upgrade sessions with STARTTLS (`false` is `--no-starttls`).
    pub starttls: Option<bool>,
    /// Probe a random local part per domain (`false` is `--no-catch-all-probe`).
    pub catch_all: Option<bool>,
    /// Journal file (`--journal`).
    pub journal: Option<PathBuf>,
}

impl ConfigFile {
    /// Parse config text; errors say the line (1-based) and what is wrong.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            let msg = e
                .message()
                .trim()
                .replacen("unknown field", "unknown key", 1);
            format!("line {line}: {msg}")
        })
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file() {
        let c = ConfigFile::parse(
            "# mine\nhelo = \"probe.example.net\"\nmail_from = \"v@example.net\"\nrate=2\nstarttls = false\n",
        )
        .unwrap();
        assert_eq!(c.helo.as_deref(), Some("probe.example.net"));
        assert_eq!(c.mail_from.as_deref(), Some("v@example.net"));
        assert_eq!(c.rate, Some(2.0));
        assert_eq!(c.starttls, Some(false));
        assert!(
            ConfigFile::parse("helo probe")
                .unwrap_err()
                .contains("line 1")
        );
        let e = ConfigFile::parse("helo = \"probe.example.net\"\nbogus = 1").unwrap_err();
        assert!(e.contains("unknown key") && e.contains("line 2"), "{e}");
        // Unquoted text is not TOML.
        assert!(
            ConfigFile::parse("helo = probe.example.net")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(
            ConfigFile::parse("\nport = \"25\"")
                .unwrap_err()
                .contains("line 2")
        );
    }
}
