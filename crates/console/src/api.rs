//! The hub's console and admin API, as the console calls it: same-origin
//! requests that carry the session cookie, and the session's CSRF token on
//! every one that changes anything. A refusal comes back as the hub's
//! problem+json, with the field it names.

use gloo_net::http::{Request, RequestBuilder};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// What the hub answered instead of success.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub(crate) struct Problem {
    #[serde(default)]
    pub(crate) status: u16,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) detail: String,
    /// The field at fault, when the hub names one.
    #[serde(default)]
    pub(crate) field: Option<String>,
}

impl Problem {
    fn unreachable(detail: impl ToString) -> Self {
        Self {
            status: 0,
            title: "The hub did not answer".into(),
            detail: detail.to_string(),
            field: None,
        }
    }

    /// What to tell the person.
    pub(crate) fn message(&self) -> String {
        if self.detail.is_empty() {
            self.title.clone()
        } else {
            self.detail.clone()
        }
    }

    /// The message, when it is about `field`.
    pub(crate) fn about(&self, field: &str) -> Option<String> {
        (self.field.as_deref() == Some(field)).then(|| self.message())
    }
}

pub(crate) use postsale_protocol::{
    Amounts, ApiKeyInfo, ConsoleSession as SessionInfo, ConsoleUser as User, Figures, Invitation,
    MerchantSummary, Presentation, PreviewAnswer, PreviewRequest, ReasonCode, Report,
    ReportRow as Row, SessionAnswer as Signed,
};

/// Whether the signed-in person may manage people, keys and money.
pub(crate) fn is_admin(signed: &Signed) -> bool {
    signed.user.role == "admin"
}

fn with_csrf(request: RequestBuilder, csrf: Option<&str>) -> RequestBuilder {
    match csrf {
        Some(token) => request.header("X-CSRF-Token", token),
        None => request,
    }
}

async fn answer<T: DeserializeOwned>(
    sent: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<T, Problem> {
    let response = sent.map_err(Problem::unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(Problem::unreachable)?;
    if (200..300).contains(&status) {
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(Problem::unreachable);
    }
    let mut problem: Problem = serde_json::from_str(&text).unwrap_or_default();
    problem.status = status;
    if problem.title.is_empty() {
        problem.title = format!("The hub answered {status}");
    }
    Err(problem)
}

/// `GET path`.
pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Problem> {
    answer(Request::get(path).send().await).await
}

/// A request with a JSON body (or none) that changes something.
pub(crate) async fn send<T: DeserializeOwned, B: Serialize>(
    method: &str,
    path: &str,
    csrf: Option<&str>,
    body: Option<&B>,
) -> Result<T, Problem> {
    let request = match method {
        "PUT" => Request::put(path),
        "DELETE" => Request::delete(path),
        _ => Request::post(path),
    };
    let request = with_csrf(request, csrf);
    let sent = match body {
        Some(body) => match request.json(body) {
            Ok(request) => request.send().await,
            Err(err) => Err(err),
        },
        None => request.send().await,
    };
    answer(sent).await
}
