//! Local HTTP peers for outbound requests: a TLS receiver with a certificate made at
//! test time (webhooks, provider APIs), and a plain upload stand-in for the scripts.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What a peer does with each request.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Answers with this status and JSON body.
    Answer(u16, serde_json::Value),
    /// Redirects (307) to this URL.
    Redirect(String),
    /// Never answers.
    Hang,
}

/// A request a peer received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub uri: String,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

pub struct Peer {
    pub port: u16,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Received>>>,
    /// The PEM of the CA that signed a TLS peer's certificate.
    pub ca_file: Option<PathBuf>,
    _dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    /// An HTTPS peer on 127.0.0.1 whose certificate (for the address 127.0.0.1) is signed
    /// by a CA made now and written to `ca_file`.
    pub async fn tls(behaviour: Behaviour) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "accountd test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        Self::start(Some(acceptor), behaviour, Some(ca_file), dir).await
    }

    /// A plain HTTP peer on 127.0.0.1.
    pub async fn plain(behaviour: Behaviour) -> Self {
        Self::start(None, behaviour, None, tempfile::tempdir().unwrap()).await
    }

    async fn start(
        acceptor: Option<tokio_rustls::TlsAcceptor>,
        behaviour: Behaviour,
        ca_file: Option<PathBuf>,
        dir: tempfile::TempDir,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let behaviour = Arc::new(Mutex::new(behaviour));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (shared_behaviour, shared_received) = (behaviour.clone(), received.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (behaviour, received, acceptor) =
                    (shared_behaviour.clone(), shared_received.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |request| handle(request, behaviour.clone(), received.clone()));
                    let http = hyper::server::conn::http1::Builder::new();
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = http.serve_connection(TokioIo::new(tls), service).await;
                            }
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        });
        Self { port, behaviour, received, ca_file, _dir: dir, task }
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn https_url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

async fn handle(
    request: Request<Incoming>,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Received>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|collected| collected.to_bytes().to_vec()).unwrap_or_default();
    received.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers,
        body,
    });
    let behaviour = behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Answer(status, body) => Ok(Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap()),
        Behaviour::Redirect(location) => {
            Ok(Response::builder().status(307).header("location", location).body(Full::new(Bytes::new())).unwrap())
        }
        Behaviour::Hang => std::future::pending().await,
    }
}
