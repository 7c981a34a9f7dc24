//! The presets: curl, wget2 and aria2c with the command lines that make
//! them comparable with the strategies — the workload's concurrency, every
//! file saved flat under `{out}` under its own name, nothing else written
//! there (no robots.txt, no host directories, no resume or control files),
//! no configuration file of the user's read.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::CommandSpec;
use crate::error::HarnessError;

/// A known peer: its name, program and template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The row name (`curl`).
    pub name: &'static str,
    /// The program looked up on `PATH`.
    pub program: &'static str,
    /// The Debian package that provides it.
    pub package: &'static str,
    /// The template, with placeholders.
    pub template: &'static str,
    /// Added to the template against an HTTPS server: trust `{cacert}`.
    pub tls_template: &'static str,
}

/// Every preset, in table order.
pub const PEERS: [Peer; 3] = [
    Peer {
        name: "curl",
        program: "curl",
        package: "curl",
        // `--disable` (ignore ~/.curlrc) only works as the first argument.
        template: "curl --disable --parallel --parallel-immediate --parallel-max {c} \
                   --config {pairs} --fail --silent --show-error",
        tls_template: "--cacert {cacert}",
    },
    Peer {
        name: "wget2",
        program: "wget2",
        package: "wget2",
        template: "wget2 --max-threads={c} -i {urls} -P {out} --no-config --quiet \
                   --no-directories --no-host-directories --robots=off --no-hsts --no-hpkp \
                   --no-netrc --no-cookies --no-tcp-fastopen",
        tls_template: "--ca-certificate={cacert}",
    },
    Peer {
        name: "aria2c",
        program: "aria2c",
        package: "aria2",
        template: "aria2c -j {c} -i {urls} -d {out} --no-conf --quiet=true \
                   --max-connection-per-server=1 --split=1 --allow-overwrite=true \
                   --auto-file-renaming=false --always-resume=false --continue=false \
                   --remove-control-file=true --auto-save-interval=0 --file-allocation=none",
        tls_template: "--ca-certificate={cacert}",
    },
];

impl Peer {
    /// The preset called `name`.
    pub fn by_name(name: &str) -> Option<Peer> {
        PEERS
            .iter()
            .copied()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
    }

    /// The row of this peer when its program is on `PATH`, with its version
    /// as the client; `Err(note)` with one clear line when it is not.
    pub fn resolve(&self) -> Result<CommandSpec, String> {
        self.resolve_for(false)
    }

    /// [`resolve`](Self::resolve), for an HTTPS server when `tls` (the
    /// tool then trusts `{cacert}`).
    pub fn resolve_for(&self, tls: bool) -> Result<CommandSpec, String> {
        let Some(path) = find_on_path(self.program) else {
            return Err(format!(
                "{} is not on PATH, so it has no row (Debian: apt-get install {})",
                self.program, self.package
            ));
        };
        let extra = if tls { self.tls_template } else { "" };
        let template = format!("{} {extra}", self.template);
        let mut spec =
            CommandSpec::parse(&format!("{}={template}", self.name)).map_err(|e| e.to_string())?;
        spec.client = version(&path).unwrap_or_else(|| self.program.to_owned());
        Ok(spec)
    }
}

/// Parses a comma-separated list of preset names (`curl,wget2,aria2c`).
pub fn parse_list(text: &str) -> Result<Vec<Peer>, HarnessError> {
    let mut peers = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let peer = Peer::by_name(name).ok_or_else(|| {
            HarnessError::Command(format!(
                "unknown peer {name:?} (known: {})",
                PEERS.map(|p| p.name).join(", ")
            ))
        })?;
        if !peers.contains(&peer) {
            peers.push(peer);
        }
    }
    Ok(peers)
}

/// The first executable `program` in a directory of `PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The first line of `program --version`, cut before the build details:
/// `curl 7.88.1`, `GNU Wget2 1.99.1`, `aria2 version 1.36.0`.
pub fn version(program: &Path) -> Option<String> {
    let output = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    short_version(text.lines().next()?)
}

fn short_version(line: &str) -> Option<String> {
    let line = line.split(" - ").next()?.split(" (").next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_cut_to_the_name_and_number() {
        assert_eq!(
            short_version("curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1").as_deref(),
            Some("curl 7.88.1")
        );
        assert_eq!(
            short_version("GNU Wget2 1.99.1 - multithreaded metalink/file/website downloader")
                .as_deref(),
            Some("GNU Wget2 1.99.1")
        );
        assert_eq!(
            short_version("aria2 version 1.36.0").as_deref(),
            Some("aria2 version 1.36.0")
        );
    }

    #[test]
    fn every_preset_parses_and_uses_the_concurrency() {
        for peer in PEERS {
            let spec = CommandSpec::parse(&format!("{}={}", peer.name, peer.template)).unwrap();
            assert_eq!(spec.words[0], peer.program);
            assert!(spec.uses("{c}"), "{}", peer.name);
            let tls = format!("{}={} {}", peer.name, peer.template, peer.tls_template);
            assert!(
                CommandSpec::parse(&tls).unwrap().needs_tls(),
                "{}",
                peer.name
            );
        }
        assert_eq!(parse_list("curl, aria2c,curl").unwrap().len(), 2);
        assert!(parse_list("wget").is_err());
    }

    #[test]
    fn a_missing_program_is_one_clear_line() {
        let peer = Peer {
            program: "fetchlab-no-such-tool",
            ..PEERS[0]
        };
        let note = peer.resolve().unwrap_err();
        assert!(note.contains("not on PATH"), "{note}");
        assert!(!note.contains('\n'));
        assert!(find_on_path("sh").is_some());
    }
}
