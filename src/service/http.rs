//! The thin hyper driver of the API: accept connections, read bodies up to the limit, hand
//! each request to [`Api::handle`], stop on a signal.

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::api::{Api, Request, Response};

async fn answer(
    api: Arc<Api>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut r = Request {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().unwrap_or("").to_owned(),
        authorization: header("authorization"),
        content_type: header("content-type").unwrap_or_default(),
        idempotency_key: header("idempotency-key"),
        body: Vec::new(),
    };
    let max = api.config().max_body;
    let declared = header("content-length").and_then(|v| v.parse::<usize>().ok());
    let resp = if declared.is_some_and(|n| n > max) {
        too_large(max)
    } else {
        match Limited::new(req.into_body(), max).collect().await {
            Ok(b) => {
                r.body = b.to_bytes().to_vec();
                api.handle(r).await
            }
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                too_large(max)
            }
            Err(_) => Response::error(400, "bad_request", "the request body could not be read"),
        }
    };
    let mut out = hyper::Response::new(Full::new(Bytes::from(resp.body)));
    *out.status_mut() = hyper::StatusCode::from_u16(resp.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    out.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(resp.content_type),
    );
    Ok(out)
}

fn too_large(max: usize) -> Response {
    Response::error(
        413,
        "payload_too_large",
        &format!("the body is larger than this server's limit of {max} bytes"),
    )
}

/// Serve `api` on `listener` until `shutdown` resolves.
pub async fn serve(
    api: Arc<Api>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer): (_, SocketAddr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                // Out of descriptors and the like: go on accepting.
                Err(_) => continue,
            },
            () = &mut shutdown => return Ok(()),
        };
        let api = api.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| answer(api.clone(), req));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}
