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

/// Why a `--smtp-config` file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The text is not valid (line is 1-based).
    #[error("line {line}: {message}")]
    Syntax {
        /// The line where the problem is.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file's text is not valid.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong inside (a [`ConfigError::Syntax`]).
        source: Box<ConfigError>,
    },
}

impl ConfigFile {
    /// Parse config text; errors say the line (1-based) and what is wrong.
    pub fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            let message = e
                .message()
                .trim()
                .replacen("unknown field", "unknown key", 1);
            ConfigError::Syntax { line, message }
        })
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            source: Box::new(e),
        })
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
                .to_string()
                .contains("line 1")
        );
        let e = ConfigFile::parse("helo = \"probe.example.net\"\nbogus = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown key") && e.contains("line 2"), "{e}");
        // Unquoted text is not TOML.
        assert!(
            ConfigFile::parse("helo = probe.example.net")
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
        assert!(
            ConfigFile::parse("\nport = \"25\"")
                .unwrap_err()
                .to_string()
                .contains("line 2")
        );
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("mailsift-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "port = 25\nbogus = 1\n").unwrap();
        let e = ConfigFile::load(&bad).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: line 2: unknown key", bad.display())),
            "{e}"
        );
        let missing = dir.join("missing.toml");
        let e = ConfigFile::load(&missing).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("cannot read {}: ", missing.display())),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
