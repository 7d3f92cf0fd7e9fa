//! Headless Chromium over WebDriver (chromedriver + fantoccini) for browser
//! tests. The web app must be built first (`trunk build --release`, done by
//! `scripts/test`); the server under test serves `dist/`.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::{Method, Url};
use serde_json::json;
use tempfile::TempDir;
use url::ParseError;

/// How long a test waits for something to appear.
pub const UI_WAIT: Duration = Duration::from_secs(15);

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Whether the web app has been built into `dist/`.
pub fn web_app_built() -> bool {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../dist/index.html")
        .exists()
}

impl Browser {
    /// A desktop-sized window (1280 x 800).
    pub async fn start() -> Browser {
        Browser::start_sized(1280, 800, None).await
    }

    /// A phone: a 390 x 844 viewport at 3 device pixels per CSS pixel, with touch, as
    /// Chromium's device emulation lays pages out for a mid-size phone.
    pub async fn start_phone() -> Browser {
        let metrics = json!({"width": 390, "height": 844, "pixelRatio": 3.0, "touch": true});
        Browser::start_sized(390, 844, Some(json!({"deviceMetrics": metrics}))).await
    }

    async fn start_sized(width: u32, height: u32, emulation: Option<serde_json::Value>) -> Browser {
        assert!(
            web_app_built(),
            "the web app is not built: run `trunk build --release` (scripts/test does)"
        );
        let port = free_port();
        // Its own process group, so dropping the Browser also ends Chromium.
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver runs (Debian package chromium-driver)");
        let profile = tempfile::tempdir().expect("a profile directory");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ])
        .collect::<Vec<_>>();
        let mut chrome = json!({"binary": "/usr/bin/chromium", "args": args});
        if let Some(emulation) = emulation {
            chrome["mobileEmulation"] = emulation;
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), chrome);
        // Chromium keeps the console for `console_errors`.
        capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    // A page that never settles fails the test instead of hanging it.
                    let timeouts = fantoccini::wd::TimeoutConfiguration::new(
                        Some(Duration::from_secs(20)),
                        Some(Duration::from_secs(30)),
                        Some(Duration::ZERO),
                    );
                    client
                        .update_timeouts(timeouts)
                        .await
                        .expect("timeouts are set");
                    return Browser {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(err) => {
                    last_error = err.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot start a WebDriver session: {last_error}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page loads");
    }

    /// Waits for an element by CSS selector.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(UI_WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(err) => {
                self.screenshot("missing-element").await;
                panic!("no element {css}: {err}");
            }
        }
    }

    /// Waits for an element by its `data-test` name.
    pub async fn test_id(&self, name: &str) -> Element {
        self.find(&format!("[data-test=\"{name}\"]")).await
    }

    /// Waits until the element's text satisfies `want`.
    pub async fn wait_text(&self, css: &str, want: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if let Ok(text) = element.text().await {
                    if want(&text) {
                        return text;
                    }
                    last = text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("wait-text").await;
        panic!(
            "{css} never matched; last text: {last:?}; {}",
            self.page_state().await
        );
    }

    /// Waits until some element matching `css` has text satisfying `want`.
    pub async fn wait_any_text(&self, css: &str, want: impl Fn(&str) -> bool) -> Element {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    if element.text().await.is_ok_and(|t| want(&t)) {
                        return element;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("wait-any-text").await;
        panic!("no {css} with the wanted text; {}", self.page_state().await);
    }

    /// What a failed wait reports: the URL, the socket state and every error
    /// line the page shows.
    pub async fn page_state(&self) -> String {
        let url = self.client.current_url().await.map(|u| u.to_string());
        let mut errors = Vec::new();
        if let Ok(lines) = self.client.find_all(Locator::Css("[role=\"alert\"]")).await {
            for line in lines {
                if let Ok(text) = line.text().await {
                    errors.push(text);
                }
            }
        }
        let connection = match self
            .client
            .find(Locator::Css("[data-test=\"connection-state\"]"))
            .await
        {
            Ok(element) => element.attr("data-state").await.ok().flatten(),
            Err(_) => None,
        };
        format!("page {url:?}, connection {connection:?}, errors shown {errors:?}")
    }

    /// Waits until the live socket is connected: the app has loaded what it
    /// shows and will see events from now on.
    pub async fn wait_live(&self) {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self
                .client
                .find(Locator::Css("[data-test=\"connection-state\"]"))
                .await
            {
                if element.attr("data-state").await.ok().flatten().as_deref() == Some("live") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("wait-live").await;
        panic!("the socket never became live; {}", self.page_state().await);
    }

    /// Whether any element matches right now.
    pub async fn exists(&self, css: &str) -> bool {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|all| !all.is_empty())
            .unwrap_or(false)
    }

    /// Saves a PNG under `target/browser-screenshots/` (kept for failures and the README).
    pub async fn screenshot(&self, name: &str) -> Option<std::path::PathBuf> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots");
        let png = self.client.screenshot().await.ok()?;
        std::fs::create_dir_all(&dir).ok()?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }

    /// Errors the page logged to the console (or failed loads) since the last
    /// call: reading Chromium's log empties it.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("chromedriver reads the browser log");
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Signs in through the login screen and waits for the app shell.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/login")).await;
        self.test_id("login-email")
            .await
            .send_keys(email)
            .await
            .expect("typed");
        self.test_id("login-password")
            .await
            .send_keys(password)
            .await
            .expect("typed");
        self.test_id("login-submit")
            .await
            .click()
            .await
            .expect("clicked");
        self.test_id("current-user-name").await;
    }
}

/// ChromeDriver's "get log" (not in the W3C standard, so fantoccini has no call for it).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base_url: &Url, session_id: Option<&str>) -> Result<Url, ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends chromedriver and the Chromium it started (same process group).
        // `--` so the negative number is read as a process group, not a signal.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
