//! Any downloader as a row: a command line run as a child process against
//! the same server as the strategies, its output directory verified the
//! same way (`docs/harness.md`, "Commands as rows").
//!
//! - this file: [`CommandSpec`] — a row's name and its template, parsed
//!   from `NAME=TEMPLATE`, and [`Inputs`] — the files and values its
//!   placeholders stand for in one run;
//! - [`process`]: one run in its own process group, with a time limit, and
//!   the child tree's CPU time and peak memory;
//! - [`session`]: a command's runs against one server, each checked;
//! - [`peers`]: the presets for curl, wget2 and aria2c.

pub mod peers;
pub mod process;
pub mod session;

use std::fmt;
use std::path::{Path, PathBuf};

use fetchlab_core::JobList;

use crate::error::HarnessError;

/// The placeholders a template may use, each replaced inside every word.
pub const PLACEHOLDERS: [&str; 7] = [
    "{urls}", "{out}", "{pairs}", "{c}", "{n}", "{base}", "{cacert}",
];

/// A command that downloads the corpus: its row name and its words, with
/// placeholders still in them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// The row's name.
    pub name: String,
    /// What the row's client column says: the tool's version for a preset,
    /// the program's name otherwise.
    pub client: String,
    /// The command line, split into words.
    pub words: Vec<String>,
}

impl CommandSpec {
    /// Parses `NAME=TEMPLATE`: the template is split into words by shell
    /// quoting rules (no shell runs unless the template starts one).
    pub fn parse(text: &str) -> Result<CommandSpec, HarnessError> {
        let bad = |why: &str| HarnessError::Command(format!("{text:?}: {why}"));
        let (name, template) = text
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=TEMPLATE"))?;
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad("the name must be one word"));
        }
        let words = shlex::split(template).ok_or_else(|| bad("unbalanced quotes"))?;
        let program = words.first().ok_or_else(|| bad("the template is empty"))?;
        let client = Path::new(program)
            .file_name()
            .map_or_else(|| program.clone(), |n| n.to_string_lossy().into_owned());
        Ok(CommandSpec {
            name: name.to_owned(),
            client,
            words,
        })
    }

    /// Whether the template needs a TLS server (it uses `{cacert}`, the
    /// server's certificate authority).
    pub fn needs_tls(&self) -> bool {
        self.uses("{cacert}")
    }

    /// Whether a word uses `placeholder`.
    pub fn uses(&self, placeholder: &str) -> bool {
        self.words.iter().any(|w| w.contains(placeholder))
    }

    /// The words with every placeholder replaced by `inputs`.
    pub fn render(&self, inputs: &Inputs) -> Result<Vec<String>, HarnessError> {
        let path = |p: &Path| p.display().to_string();
        let cacert = match &inputs.cacert {
            Some(file) => path(file),
            None if self.needs_tls() => {
                return Err(HarnessError::Command(format!(
                    "{}: {{cacert}} needs a TLS server, and this one speaks plain HTTP",
                    self.name
                )));
            }
            None => String::new(),
        };
        let values = [
            ("{urls}", path(&inputs.urls)),
            ("{out}", path(&inputs.out)),
            ("{pairs}", path(&inputs.pairs)),
            ("{c}", inputs.concurrency.to_string()),
            ("{n}", inputs.jobs.to_string()),
            ("{base}", inputs.base_url.clone()),
            ("{cacert}", cacert),
        ];
        Ok(self
            .words
            .iter()
            .map(|word| {
                values
                    .iter()
                    .fold(word.clone(), |w, (key, value)| w.replace(key, value))
            })
            .collect())
    }
}

impl fmt::Display for CommandSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shlex::try_join(self.words.iter().map(String::as_str)).unwrap_or_default())
    }
}

/// What a template's placeholders stand for in one run.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// `{urls}`: one URL a line.
    pub urls: PathBuf,
    /// `{out}`: an empty directory for the command's files.
    pub out: PathBuf,
    /// `{pairs}`: a curl config file of `url`/`output` pairs into `out`.
    pub pairs: PathBuf,
    /// `{c}`.
    pub concurrency: usize,
    /// `{n}`.
    pub jobs: usize,
    /// `{base}`.
    pub base_url: String,
    /// `{cacert}`: the server's certificate authority (PEM), with TLS.
    pub cacert: Option<PathBuf>,
}

impl Inputs {
    /// Writes the files of run `run` under `dir` (`run-N/urls.txt`,
    /// `run-N/pairs.curl`, an empty `run-N/out/`, and with a `ca_pem`,
    /// `run-N/ca.pem`) for `jobs`.
    pub fn write(
        dir: &Path,
        run: usize,
        jobs: &JobList,
        concurrency: usize,
        base_url: &str,
        ca_pem: Option<&str>,
    ) -> Result<Inputs, HarnessError> {
        let root = dir.join(format!("run-{run}"));
        let out = root.join("out");
        let io = |path: &Path, e: std::io::Error| HarnessError::Write {
            path: path.to_owned(),
            source: e,
        };
        std::fs::create_dir_all(&out).map_err(|e| io(&out, e))?;
        let mut urls = String::new();
        let mut pairs = String::new();
        for job in jobs.iter() {
            urls.push_str(job.url());
            urls.push('\n');
            let output = out.join(job.name());
            pairs.push_str(&format!(
                "url = {}\noutput = {}\n",
                curl_quote(job.url()),
                curl_quote(&output.display().to_string())
            ));
        }
        let inputs = Inputs {
            urls: root.join("urls.txt"),
            pairs: root.join("pairs.curl"),
            out,
            concurrency,
            jobs: jobs.len(),
            base_url: base_url.to_owned(),
            cacert: ca_pem.map(|_| root.join("ca.pem")),
        };
        if let (Some(file), Some(pem)) = (&inputs.cacert, ca_pem) {
            std::fs::write(file, pem).map_err(|e| io(file, e))?;
        }
        std::fs::write(&inputs.urls, urls).map_err(|e| io(&inputs.urls, e))?;
        std::fs::write(&inputs.pairs, pairs).map_err(|e| io(&inputs.pairs, e))?;
        Ok(inputs)
    }
}

/// A value in a curl config file: double-quoted, `\` and `"` escaped.
fn curl_quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            urls: "/t/urls.txt".into(),
            out: "/t/my out".into(),
            pairs: "/t/pairs.curl".into(),
            concurrency: 20,
            jobs: 80,
            base_url: "http://127.0.0.1:1/".into(),
            cacert: None,
        }
    }

    #[test]
    fn templates_split_into_words_and_fill_placeholders() {
        let spec = CommandSpec::parse(
            "py=python3 'my dir/x.py' {urls} -o={out} -c {c} -n{n} {base}index.txt",
        )
        .unwrap();
        assert_eq!(spec.name, "py");
        assert_eq!(spec.client, "python3");
        assert_eq!(
            spec.render(&inputs()).unwrap(),
            [
                "python3",
                "my dir/x.py",
                "/t/urls.txt",
                "-o=/t/my out",
                "-c",
                "20",
                "-n80",
                "http://127.0.0.1:1/index.txt"
            ]
        );
        // A shell's own braces are not placeholders.
        let sh = CommandSpec::parse("s=sh -c 'for u in ${x}; do :; done' {out}").unwrap();
        assert_eq!(
            sh.render(&inputs()).unwrap()[2],
            "for u in ${x}; do :; done"
        );
    }

    #[test]
    fn bad_templates_are_refused_with_a_reason() {
        for (text, why) in [
            ("no equals sign", "NAME=TEMPLATE"),
            ("=curl", "one word"),
            ("a b=curl", "one word"),
            ("x=", "empty"),
            ("x=curl 'open", "quotes"),
        ] {
            let err = CommandSpec::parse(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
        let tls = CommandSpec::parse("x=curl --cacert {cacert} {base}").unwrap();
        let err = tls.render(&inputs()).unwrap_err().to_string();
        assert!(err.contains("TLS"), "{err}");
        let with_ca = Inputs {
            cacert: Some("/t/ca.pem".into()),
            ..inputs()
        };
        assert_eq!(tls.render(&with_ca).unwrap()[2], "/t/ca.pem");
    }

    #[test]
    fn curl_values_are_quoted() {
        assert_eq!(curl_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
