//! The `--smtp-config` file: `key = value` lines of probe settings, read before any flag
//! overrides them.

use std::path::Path;

/// Settings read from a `--smtp-config` file: `key = value` lines, `#` comments.
/// Keys: `helo`, `mail_from`, `port`, `rate`, `per_host`, `batch`, `concurrency`, `timeout`,
/// `greylist_wait`, `greylist_retries`, `starttls`, `catch_all`, `journal`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    /// Key/value pairs in file order.
    pub values: Vec<(String, String)>,
}

/// Keys a config file may hold.
pub const CONFIG_KEYS: &[&str] = &[
    "helo",
    "mail_from",
    "port",
    "rate",
    "per_host",
    "batch",
    "concurrency",
    "timeout",
    "greylist_wait",
    "greylist_retries",
    "starttls",
    "catch_all",
    "journal",
];

impl ConfigFile {
    /// Parse config text; unknown keys and malformed lines are errors with their line number.
    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        let mut values = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(format!("line {}: expected key = value", i + 1));
            };
            let k = k.trim().replace('-', "_");
            if !CONFIG_KEYS.contains(&k.as_str()) {
                return Err(format!(
                    "line {}: unknown key {k:?} (known: {})",
                    i + 1,
                    CONFIG_KEYS.join(", ")
                ));
            }
            let v = v.trim().trim_matches('"').to_owned();
            values.push((k, v));
        }
        Ok(ConfigFile { values })
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file() {
        let c = ConfigFile::parse(
            "# mine\nhelo = probe.example.net\nmail-from = \"v@example.net\"\nrate=2\n",
        )
        .unwrap();
        assert_eq!(c.get("helo"), Some("probe.example.net"));
        assert_eq!(c.get("mail_from"), Some("v@example.net"));
        assert_eq!(c.get("rate"), Some("2"));
        assert!(
            ConfigFile::parse("helo probe")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(
            ConfigFile::parse("bogus = 1")
                .unwrap_err()
                .contains("unknown key")
        );
    }
}
