//! A local Lambda Runtime API, and one function instance behind it.
//!
//! Why our own and not `cargo lambda watch`: watch runs a debug build through its own
//! proxy and adds its routing to every call, while the figures here are about the
//! release binary that Lambda runs. This is the part of the Runtime API a function uses
//! (`/2018-06-01/runtime/invocation/next`, `…/{id}/response`, `…/{id}/error`,
//! `/2018-06-01/runtime/init/error`), one server per instance, as Lambda gives each
//! execution environment its own. An invocation is timed from the moment the event is
//! queued to the moment its response has arrived, which is what Lambda's own `Duration`
//! adds to its overhead.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

/// What the function answered, and when the answer arrived.
pub struct Outcome {
    pub at: Instant,
    pub ok: bool,
    pub body: Bytes,
}

/// One invocation: when its event was queued, when its answer arrived, and the answer.
pub struct Invocation {
    pub queued: Instant,
    pub answered: Instant,
    pub answer: Value,
}

impl Invocation {
    pub fn took(&self) -> Duration {
        self.answered - self.queued
    }

    pub fn status(&self) -> u16 {
        self.answer["statusCode"].as_u64().unwrap_or_default() as u16
    }

    /// The value a `Set-Cookie` of the answer gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.answer["cookies"].as_array()?.iter().find_map(|c| {
            let (k, rest) = c.as_str()?.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or_default().to_owned())
        })
    }

    pub fn location(&self) -> Option<&str> {
        self.answer["headers"]["location"].as_str()
    }
}

struct Pending {
    body: Vec<u8>,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Clone)]
struct Api {
    queue: Arc<tokio::sync::Mutex<mpsc::Receiver<Pending>>>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Outcome>>>>,
    /// When the function first asked for an event: the end of its init.
    first_poll: Arc<Mutex<Option<Instant>>>,
    init_error: Arc<Mutex<Option<String>>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

async fn next(State(api): State<Api>) -> (HeaderMap, Vec<u8>) {
    api.first_poll
        .lock()
        .expect("lock")
        .get_or_insert_with(Instant::now);
    let pending = api.queue.lock().await.recv().await;
    // The harness went away: an empty event ends the function's loop with an error.
    let Some(pending) = pending else {
        return (HeaderMap::new(), Vec::new());
    };
    let n = api
        .next_id
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let id = format!("00000000-0000-4000-8000-{n:012}");
    let mut headers = HeaderMap::new();
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        + Duration::from_secs(10);
    let values = [
        ("lambda-runtime-aws-request-id", id.clone()),
        (
            "lambda-runtime-deadline-ms",
            deadline.as_millis().to_string(),
        ),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".into(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0".into(),
        ),
    ];
    for (name, value) in values {
        headers.insert(name, HeaderValue::from_str(&value).expect("header"));
    }
    api.waiting.lock().expect("lock").insert(id, pending.reply);
    (headers, pending.body)
}

fn settle(api: &Api, id: &str, ok: bool, body: Bytes) -> StatusCode {
    let at = Instant::now();
    match api.waiting.lock().expect("lock").remove(id) {
        Some(reply) => {
            let _ = reply.send(Outcome { at, ok, body });
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(api): State<Api>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    settle(&api, &id, true, body)
}

async fn error(State(api): State<Api>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    settle(&api, &id, false, body)
}

async fn init_error(State(api): State<Api>, body: Bytes) -> StatusCode {
    *api.init_error.lock().expect("lock") = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}

/// One execution environment: a function's process and its Runtime API.
pub struct Instance {
    child: Child,
    events: mpsc::Sender<Pending>,
    api: Api,
    server: tokio::task::JoinHandle<()>,
    pub spawned_at: Instant,
}

/// Peak and current resident memory of a process, in KiB (`VmHWM`, `VmRSS`).
pub fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let read = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some((read("VmHWM:")?, read("VmRSS:")?))
}

/// CPU time a process has used so far, all its threads together (the first field of
/// each thread's `schedstat`, in nanoseconds).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        total += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(total))
}

impl Instance {
    /// Starts the Runtime API, then the binary with `env` (and nothing else of this
    /// process's environment, as on Lambda), writing its output to `log`.
    pub async fn spawn(binary: &Path, env: &[(String, String)], log: &Path) -> Self {
        let (events, queue) = mpsc::channel(1024);
        let api = Api {
            queue: Arc::new(tokio::sync::Mutex::new(queue)),
            waiting: Arc::default(),
            first_poll: Arc::default(),
            init_error: Arc::default(),
            next_id: Arc::default(),
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the Runtime API");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("the function's log file");
        let err = out.try_clone().expect("log file");
        let lambda_env = [
            ("AWS_LAMBDA_RUNTIME_API", address.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", "bench".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench".into()),
            ("TZ", ":UTC".into()),
            ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ];
        let spawned_at = Instant::now();
        let child = Command::new(binary)
            .env_clear()
            .envs(lambda_env.iter().map(|(k, v)| (*k, v.as_str())))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        Self {
            child,
            events,
            api,
            server,
            spawned_at,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("a running function")
    }

    /// The end of init: when the function first asked for an event.
    pub fn ready_at(&self) -> Option<Instant> {
        *self.api.first_poll.lock().expect("lock")
    }

    /// Queues `event` and waits for the answer (an API Gateway response as JSON).
    pub async fn invoke(&self, event: &Value) -> Invocation {
        let body = serde_json::to_vec(event).expect("an event");
        let (reply, answer) = oneshot::channel();
        let queued = Instant::now();
        self.events
            .send(Pending { body, reply })
            .await
            .expect("the instance is running");
        let outcome = match tokio::time::timeout(Duration::from_secs(30), answer).await {
            Ok(Ok(outcome)) => outcome,
            _ => panic!(
                "the function did not answer (init error: {:?})",
                self.api.init_error.lock().expect("lock")
            ),
        };
        assert!(
            outcome.ok,
            "the function failed: {}",
            String::from_utf8_lossy(&outcome.body)
        );
        Invocation {
            queued,
            answered: outcome.at,
            answer: serde_json::from_slice(&outcome.body).expect("a JSON answer"),
        }
    }

    /// Ends the process and its Runtime API.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.server.abort();
    }
}
