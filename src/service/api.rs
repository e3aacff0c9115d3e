//! The HTTP API as values: a request in, a response out. Authentication, routing, limits and
//! the JSON and CSV shapes live here; `http.rs` is the thin hyper driver.

use std::sync::Arc;
use std::time::Duration;

use super::callback;
use super::intake::{self, IntakeError};
use super::job::{JobOptions, NewJob};
use super::keys;
use super::metrics::Metrics;
use super::store::{Store, StoreError};
use crate::model::AddressRecord;

/// Checks one address now (analysis and the server's network stages).
pub type Checker = Arc<dyn Fn(&str, &JobOptions) -> AddressRecord + Send + Sync>;

/// Server limits and policies.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Most addresses in one job.
    pub max_emails: usize,
    /// Time limit of `POST /v1/check`.
    pub check_timeout: Duration,
    /// Accept callback URLs on loopback and private addresses.
    pub allow_private_callbacks: bool,
    /// Most results per page.
    pub max_page: usize,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_body: 64 << 20,
            max_emails: 1_000_000,
            check_timeout: Duration::from_secs(30),
            allow_private_callbacks: false,
            max_page: 10_000,
        }
    }
}

/// A request, as the driver hands it over.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// A response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn json(status: u16, v: &impl serde::Serialize) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    /// An error response `{"error": {"code", "message"}}`.
    pub fn error(status: u16, code: &str, message: &str) -> Response {
        Response::json(
            status,
            &serde_json::json!({"error": {"code": code, "message": message}}),
        )
    }
}

const OPENAPI: &str = include_str!("../../data/openapi.json");

/// The API.
pub struct Api {
    store: Arc<Store>,
    cfg: ApiConfig,
    checker: Checker,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    callbacks: callback::CallbackPolicy,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: StoreError) -> Response {
    Response::error(503, "store_unavailable", &e.to_string())
}

impl Api {
    /// An API over `store`.
    pub fn new(
        store: Arc<Store>,
        cfg: ApiConfig,
        checker: Checker,
        callbacks: callback::CallbackPolicy,
    ) -> Api {
        Api {
            store,
            cfg,
            checker,
            metrics: Metrics::default(),
            callbacks,
        }
    }

    /// The limits.
    pub fn config(&self) -> &ApiConfig {
        &self.cfg
    }

    /// Answer one request.
    pub async fn handle(&self, req: Request) -> Response {
        let r = self.route(req).await;
        self.metrics.response(r.status);
        r
    }

    async fn route(&self, req: Request) -> Response {
        let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
        let m = req.method.as_str();
        match (m, segs.as_slice()) {
            ("GET", ["healthz"]) => {
                return match self.store.stats().await {
                    Ok(_) => Response::json(200, &serde_json::json!({"status": "ok"})),
                    Err(e) => unavailable(e),
                };
            }
            ("GET", ["openapi.json"]) => {
                return Response {
                    status: 200,
                    content_type: "application/json",
                    body: OPENAPI.as_bytes().to_vec(),
                };
            }
            ("GET", ["metrics"]) => {
                let stats = self.store.stats().await.ok();
                return Response {
                    status: 200,
                    content_type: "text/plain; version=0.0.4",
                    body: self.metrics.render(stats.as_ref()).into_bytes(),
                };
            }
            _ => {}
        }
        if segs.first() != Some(&"v1") {
            return Response::error(404, "not_found", "no such endpoint");
        }
        let key = match self.authenticate(&req).await {
            Ok(k) => k,
            Err(r) => return r,
        };
        match (m, &segs[1..]) {
            ("POST", ["check"]) => self.check(&req).await,
            ("POST", ["jobs"]) => self.create(key, &req).await,
            ("GET", ["jobs", id]) => match self.store.job(key.0, id).await {
                Ok(Some(v)) => Response::json(200, &v),
                Ok(None) => not_found(),
                Err(e) => unavailable(e),
            },
            ("DELETE", ["jobs", id]) => match self.store.cancel(key.0, id).await {
                Ok(Some(v)) => Response::json(200, &v),
                Ok(None) => not_found(),
                Err(e) => unavailable(e),
            },
            ("GET", ["jobs", id, "results"]) => self.results(key.0, id, &req.query).await,
            (_, ["check"] | ["jobs"] | ["jobs", _] | ["jobs", _, "results"]) => {
                Response::error(405, "method_not_allowed", "method not allowed here")
            }
            _ => Response::error(404, "not_found", "no such endpoint"),
        }
    }

    /// The key's id and its text (the callback key derives from it).
    async fn authenticate(&self, req: &Request) -> Result<(i64, String), Response> {
        let Some(key) = req
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
        else {
            return Err(Response::error(
                401,
                "unauthorized",
                "send Authorization: Bearer KEY",
            ));
        };
        match self.store.key_id(&keys::hash(key)).await {
            Ok(Some(id)) => Ok((id, key.to_owned())),
            Ok(None) => Err(Response::error(401, "unauthorized", "unknown API key")),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn check(&self, req: &Request) -> Response {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            email: String,
            #[serde(default)]
            options: JobOptions,
        }
        let b: Body = match serde_json::from_slice(&req.body) {
            Ok(b) => b,
            Err(e) => {
                return Response::error(
                    400,
                    "bad_request",
                    &format!("expected {{\"email\": ...}}: {e}"),
                );
            }
        };
        let checker = self.checker.clone();
        let (email, options) = (b.email.clone(), b.options);
        let task = tokio::task::spawn_blocking(move || checker(&email, &options));
        self.metrics
            .checks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match tokio::time::timeout(self.cfg.check_timeout, task).await {
            Ok(Ok(rec)) => Response::json(200, &rec),
            Ok(Err(_)) => Response::error(500, "internal", "the check failed"),
            Err(_) => {
                // Out of time: the offline analysis, marked incomplete.
                let rec = crate::address::analyze(1, &b.email, &b.options.analyze());
                let mut v = serde_json::to_value(&rec).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("complete".into(), false.into());
                }
                Response::json(200, &v)
            }
        }
    }

    async fn create(&self, key: (i64, String), req: &Request) -> Response {
        let q = query_pairs(&req.query);
        let ct = req.content_type.to_ascii_lowercase();
        let intake = if ct.starts_with("application/json") {
            intake::from_json(&req.body, self.cfg.max_emails)
        } else if ct.starts_with("text/csv") || ct.starts_with("text/plain") {
            intake::from_csv(
                &req.body,
                q.get("column").map(String::as_str),
                self.cfg.max_emails,
            )
        } else {
            return Response::error(
                415,
                "unsupported_media_type",
                "send text/csv or application/json",
            );
        };
        let intake = match intake {
            Ok(i) => i,
            Err(e @ IntakeError::TooMany(..)) => {
                return Response::error(413, "too_many_addresses", &e.to_string());
            }
            Err(e) => return Response::error(400, "bad_request", &e.to_string()),
        };
        let callback_url = intake
            .callback_url
            .or_else(|| q.get("callback_url").cloned());
        if let Some(u) = &callback_url
            && let Err(e) = callback::parse(u, self.cfg.allow_private_callbacks)
        {
            return Response::error(400, "bad_callback_url", &e);
        }
        if let Some(k) = &req.idempotency_key
            && (k.is_empty() || k.len() > 255)
        {
            return Response::error(400, "bad_request", "Idempotency-Key must be 1-255 bytes");
        }
        let new = NewJob {
            key_id: key.0,
            idempotency_key: req.idempotency_key.clone(),
            emails: intake.emails,
            options: intake.options,
            callback_url,
            callback_key: keys::callback_key(&key.1),
        };
        match self.store.create_job(new).await {
            Ok((v, created)) => {
                if created {
                    self.metrics
                        .jobs_created
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Ok(Some(f)) = self.store.finished_at_creation(&v.id).await {
                        tokio::spawn(super::worker::send_callback(
                            self.store.clone(),
                            f,
                            self.callbacks.clone(),
                        ));
                    }
                }
                Response::json(
                    if created { 201 } else { 200 },
                    &serde_json::json!({"id": v.id, "status": v.status}),
                )
            }
            Err(e) => unavailable(e),
        }
    }

    async fn results(&self, key: i64, id: &str, query: &str) -> Response {
        let q = query_pairs(query);
        let offset = match q.get("offset").map(|s| s.parse::<usize>()) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => return Response::error(400, "bad_request", "offset must be a number"),
        };
        let limit = match q.get("limit").map(|s| s.parse::<usize>()) {
            None => 1000,
            Some(Ok(n)) if n >= 1 && n <= self.cfg.max_page => n,
            Some(_) => {
                return Response::error(
                    400,
                    "bad_request",
                    &format!("limit must be 1-{}", self.cfg.max_page),
                );
            }
        };
        let format = q.get("format").map(String::as_str).unwrap_or("jsonl");
        if !matches!(format, "jsonl" | "csv") {
            return Response::error(400, "bad_request", "format must be jsonl or csv");
        }
        let recs = match self.store.results(key, id, offset, limit).await {
            Ok(Some(r)) => r,
            Ok(None) => return not_found(),
            Err(e) => return unavailable(e),
        };
        if format == "csv" {
            return Response {
                status: 200,
                content_type: "text/csv; charset=utf-8",
                body: to_csv(&recs),
            };
        }
        let mut body = Vec::new();
        for r in recs {
            let _ = serde_json::to_writer(&mut body, &r);
            body.push(b'\n');
        }
        Response {
            status: 200,
            content_type: "application/x-ndjson",
            body,
        }
    }
}

fn not_found() -> Response {
    // The same answer for a job that does not exist and one of another key: nothing leaks.
    Response::error(404, "not_found", "no such job")
}

/// CSV of result records: the scalar fields of `check`'s records, formula-escaped.
fn to_csv(recs: &[serde_json::Value]) -> Vec<u8> {
    const COLS: &[&str] = &[
        "row",
        "input",
        "normalized",
        "verdict",
        "reason",
        "worker",
        "source",
    ];
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(COLS);
    for r in recs {
        let cells: Vec<String> = COLS
            .iter()
            .map(|c| match &r[*c] {
                serde_json::Value::String(s) => {
                    String::from_utf8_lossy(&crate::text::escape_formula(s.as_bytes())).into_owned()
                }
                serde_json::Value::Null => String::new(),
                v => v.to_string(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    w.into_inner().unwrap_or_default()
}

/// `a=1&b=x%20y` → pairs (percent-decoded).
fn query_pairs(q: &str) -> std::collections::HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
