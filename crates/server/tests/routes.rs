//! Every URL path answers as the crate docs (`fetchlab_server`, "Paths") say.

mod common;

use std::time::Duration;

use common::{agent, get, get_with};
use fetchlab_core::store::sha256_hex;
use fetchlab_server::{Corpus, CorpusSpec, ServerConfig, Stats, TestServer};

fn server() -> TestServer {
    TestServer::start(ServerConfig::default()).expect("server")
}

#[test]
fn every_corpus_file_is_served_byte_for_byte() {
    let server = server();
    let agent = agent();
    for file in server.corpus().files() {
        let got = get(&agent, &server.url(&file.name));
        assert_eq!(got.status, 200);
        assert_eq!(sha256_hex(&got.body), file.sha256, "{}", file.name);
        assert_eq!(got.header("content-type"), Some("image/jpeg"));
        assert_eq!(
            got.header("content-length"),
            Some(file.body.len().to_string().as_str())
        );
        assert_eq!(got.header("accept-ranges"), Some("bytes"));
    }
    let stats = server.stats();
    assert_eq!(stats.requests, 80);
    assert_eq!(stats.bytes_sent, server.corpus().total_bytes());
    assert_eq!(stats.in_flight, 0);
}

#[test]
fn head_sends_the_length_without_a_body() {
    let server = server();
    let file = &server.corpus().files()[3];
    let resp = agent().head(&server.url(&file.name)).call().unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let len = resp
        .headers()
        .get("content-length")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(len, file.body.len().to_string());
    assert_eq!(resp.into_body().read_to_vec().unwrap(), b"");
    assert_eq!(server.stats().bytes_sent, 0);
}

#[test]
fn unknown_names_are_404() {
    let server = server();
    let agent = agent();
    for path in [
        "nope.jpg",
        "",
        "a/b",
        "flaky/1/nope.jpg",
        "fault/stall/nope.jpg",
        "redirect/1/nope.jpg",
    ] {
        let got = get(&agent, &server.url(path));
        assert_eq!(got.status, 404, "{path}");
        assert!(got.header("content-type").is_some());
    }
    assert_eq!(server.requests_for("/nope.jpg"), 1);
    assert_eq!(server.requests_for("/fault/stall/nope.jpg"), 1);
}

#[test]
fn index_lists_absolute_urls() {
    let server = server();
    let got = get(&agent(), &server.url("index.txt"));
    let text = String::from_utf8(got.body).unwrap();
    let expected: Vec<String> = server
        .corpus()
        .names()
        .iter()
        .map(|n| server.url(n))
        .collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn status_route_with_retry_after() {
    let config = ServerConfig::default().with_retry_after(Some(Duration::from_millis(1500)));
    let server = TestServer::start(config).unwrap();
    let agent = agent();
    let got = get(&agent, &server.url("status/404/x.jpg"));
    assert_eq!((got.status, got.header("retry-after")), (404, None));
    let got = get(&agent, &server.url("status/503/x.jpg"));
    assert_eq!((got.status, got.header("retry-after")), (503, Some("2")));
    let got = get(&agent, &server.url("status/429/x.jpg?retry-after=7"));
    assert_eq!((got.status, got.header("retry-after")), (429, Some("7")));
    let got = get(&agent, &server.url("status/204/x.jpg"));
    assert_eq!((got.status, got.body.len()), (204, 0));
    assert_eq!(get(&agent, &server.url("status/abc/x.jpg")).status, 400);
    assert_eq!(server.requests_for("/status/429/x.jpg"), 1);
}

#[test]
fn flaky_fails_n_times_then_serves() {
    let server = server();
    let agent = agent();
    let file = &server.corpus().files()[0];
    let path = format!("flaky/2/{}", file.name);
    let statuses: Vec<u16> = (0..4)
        .map(|_| get(&agent, &server.url(&path)).status)
        .collect();
    assert_eq!(statuses, [503, 503, 200, 200]);
    assert_eq!(server.requests_for(&format!("/{path}")), 4);
    server.reset_stats();
    assert_eq!(
        get(&agent, &server.url(&path)).status,
        503,
        "reset restarts the count"
    );
}

#[test]
fn redirect_chain_ends_at_the_file() {
    let server = server();
    let file = &server.corpus().files()[1];
    let got = get(&agent(), &server.url(&format!("redirect/3/{}", file.name)));
    assert_eq!(got.status, 302);
    let location = server.url(&format!("redirect/2/{}", file.name));
    assert_eq!(got.header("location"), Some(location.as_str()));
    let follow: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(5)
        .build()
        .into();
    let body = follow
        .get(&server.url(&format!("redirect/3/{}", file.name)))
        .call()
        .unwrap()
        .into_body()
        .read_to_vec()
        .unwrap();
    assert_eq!(sha256_hex(&body), file.sha256);
    for hop in ["redirect/3/", "redirect/2/", "redirect/1/", ""] {
        let path = format!("/{hop}{}", file.name);
        let expected = if hop == "redirect/3/" { 2 } else { 1 };
        assert_eq!(server.requests_for(&path), expected, "{path}");
    }
    let got = get(&agent(), &server.url(&format!("redirect/0/{}", file.name)));
    assert_eq!((got.status, got.body.len()), (200, file.body.len()));
}

#[test]
fn no_length_is_chunked_and_no_range_ignores_range() {
    let server = server();
    let agent = agent();
    let file = &server.corpus().files()[2];
    let got = get(&agent, &server.url(&format!("no-length/{}", file.name)));
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-length"), None);
    assert_eq!(got.header("transfer-encoding"), Some("chunked"));
    assert_eq!(got.body, file.body);
    let got = get_with(
        &agent,
        &server.url(&format!("no-range/{}", file.name)),
        &[("Range", "bytes=10-")],
    );
    assert_eq!((got.status, got.body.len()), (200, file.body.len()));
    assert_eq!(got.header("accept-ranges"), None);
}

#[test]
fn ranges_are_honoured() {
    let server = server();
    let agent = agent();
    let file = &server.corpus().files()[4];
    let len = file.body.len();
    let url = server.url(&file.name);
    let got = get_with(&agent, &url, &[("Range", "bytes=100-199")]);
    assert_eq!(got.status, 206);
    assert_eq!(got.body, file.body[100..200]);
    let content_range = format!("bytes 100-199/{len}");
    assert_eq!(got.header("content-range"), Some(content_range.as_str()));
    let got = get_with(&agent, &url, &[("Range", "bytes=1000-")]);
    assert_eq!((got.status, &got.body[..]), (206, &file.body[1000..]));
    let got = get_with(&agent, &url, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(got.status, 416);
    let content_range = format!("bytes */{len}");
    assert_eq!(got.header("content-range"), Some(content_range.as_str()));
}

#[test]
fn stats_route_serves_json() {
    let server = server();
    let agent = agent();
    get(&agent, &server.url(&server.corpus().names()[0]));
    let got = get(&agent, &server.url("_stats"));
    assert_eq!(got.header("content-type"), Some("application/json"));
    let stats: Stats = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.connections, 1);
    assert_eq!(stats.in_flight, 1, "the stats request itself");
}

#[test]
fn generated_and_directory_corpora_are_served() {
    let corpus = Corpus::generate(&CorpusSpec::files(3, 10, 20));
    let server = TestServer::start(ServerConfig::default().with_corpus(corpus)).unwrap();
    let got = get(&agent(), &server.url("file00002.bin"));
    assert_eq!(got.header("content-type"), Some("application/octet-stream"));
    assert_eq!(got.body, server.corpus().get("file00002.bin").unwrap().body);

    let dir = std::env::temp_dir().join(format!("fetchlab-server-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello world.txt"), b"hi\n").unwrap();
    let corpus = Corpus::from_dir(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let server = TestServer::start(ServerConfig::default().with_corpus(corpus)).unwrap();
    let got = get(&agent(), &server.url("hello%20world.txt"));
    assert_eq!((got.status, &got.body[..]), (200, &b"hi\n"[..]));
    let index = String::from_utf8(get(&agent(), &server.url("index.txt")).body).unwrap();
    assert_eq!(index.trim(), server.url("hello%20world.txt"));
}

#[test]
fn validators_and_if_range() {
    let server = server();
    let agent = agent();
    let file = &server.corpus().files()[0];
    let url = server.url(&file.name);
    let full = get(&agent, &url);
    let etag = full.header("etag").expect("an ETag").to_owned();
    let modified = full
        .header("last-modified")
        .expect("a Last-Modified")
        .to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let ranged = |if_range: &str| {
        get_with(
            &agent,
            &url,
            &[("range", "bytes=10-"), ("if-range", if_range)],
        )
    };
    // A matching validator: the range.
    for v in [etag.as_str(), modified.as_str()] {
        let got = ranged(v);
        assert_eq!(got.status, 206, "{v}");
        assert_eq!(got.body, file.body[10..]);
    }
    // A mismatched one: the whole file.
    for v in ["\"other\"", "W/\"x\"", "Thu, 01 Jan 2015 00:00:00 GMT"] {
        let got = ranged(v);
        assert_eq!(got.status, 200, "{v}");
        assert_eq!(got.body, file.body);
    }
    // New content under the same name: new validators, old ones no longer match.
    let changed = server.change_content(&file.name).unwrap();
    assert_ne!(changed.body, file.body);
    assert_eq!(changed.body.len(), file.body.len());
    let got = ranged(&etag);
    assert_eq!(got.status, 200);
    assert_eq!(got.body, changed.body);
    assert_ne!(got.header("etag"), Some(etag.as_str()));
    assert_ne!(got.header("last-modified"), Some(modified.as_str()));
    // The same through the control route.
    let resp = agent
        .post(&server.url(&format!("_change/{}", file.name)))
        .send_empty()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again = get(&agent, &url);
    assert_ne!(again.body, changed.body);
    assert_eq!(
        sha256_hex(&again.body),
        resp.into_body().read_to_string().unwrap().trim()
    );
}

#[test]
fn a_streamed_file_is_served_byte_for_byte_whole_ranged_and_chunked() {
    use fetchlab_server::CorpusFile;
    let file = CorpusFile::streamed("big.bin", 5, 3_000_000);
    let config = ServerConfig::default().with_corpus(Corpus::from_files([file.clone()]));
    let server = TestServer::start(config).unwrap();
    let agent = agent();
    let whole = get(&agent, &server.url("big.bin"));
    assert_eq!(whole.status, 200);
    assert_eq!(sha256_hex(&whole.body), file.sha256);
    assert_eq!(whole.header("etag").map(str::len), Some(34));
    let ranged = get_with(
        &agent,
        &server.url("big.bin"),
        &[("range", "bytes=1000000-1000099")],
    );
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.body, file.bytes(1_000_000, 100));
    let chunked = get(&agent, &server.url("no-length/big.bin"));
    assert_eq!(sha256_hex(&chunked.body), file.sha256);
}
