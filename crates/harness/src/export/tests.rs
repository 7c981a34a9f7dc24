//! Structure checks of every format on synthetic tables.

use super::*;
use crate::provenance::{Machine, Provenance};
use crate::scenario::Scenario;
use crate::strategy::Strategy;
use crate::table::{OutcomeCounts, Row, Spread};

fn provenance() -> Provenance {
    Provenance {
        machine: Machine {
            cores: 2,
            cpu_model: "Test CPU".into(),
            os: "linux x86_64".into(),
        },
        date: "2025-11-25T18:00:00Z".into(),
        commit: Some("abcdef123456".into()),
        command: "cargo bench --bench seed".into(),
        version: "0.1.0".into(),
    }
}

fn row(scenario: &Scenario, point: usize, strategy: Strategy, median: f64) -> Row {
    let point = &scenario.points[point];
    // An ideal is a lower bound: never above the median.
    let ideal = median.min(0.4);
    let mut row = Row::refused(point, strategy, ideal, String::new());
    row.refused = None;
    row.runs = 3;
    row.times = vec![median * 0.98, median, median * 1.05];
    row.time = Spread::of(&row.times);
    row.efficiency = Some(ideal / median);
    row.requests = 80;
    row.connections = 20;
    row.peak_rss_delta = Some(3 << 20);
    row.threads = Some(20);
    row.counts = OutcomeCounts {
        downloaded: 80,
        not_found: 0,
        errors: 0,
    };
    row
}

/// A seed table (one point) and a concurrency table (four points, with a refusal).
pub(crate) fn tables() -> (ResultTable, ResultTable) {
    let seed = Scenario::seed();
    let mut one = ResultTable::new(&seed, provenance());
    for (i, s) in Strategy::ALL.iter().enumerate() {
        one.push(row(&seed, 0, *s, 0.45 + i as f64 * 0.01));
    }
    let sweep = Scenario::concurrency();
    let mut many = ResultTable::new(&sweep, provenance());
    for p in 1..sweep.points.len() {
        for s in [Strategy::Threads, Strategy::Tokio] {
            many.push(row(&sweep, p, s, 5.0 / sweep.points[p].x + 0.05));
        }
    }
    let last = &sweep.points[3];
    many.push(Row::refused(
        last,
        Strategy::Rayon,
        0.005,
        "too many threads, a|b".into(),
    ));
    (one, many)
}

#[test]
fn markdown_has_a_row_per_result_and_the_provenance() {
    let (one, many) = tables();
    let text = String::from_utf8(MarkdownExporter.serialize(&one).unwrap()).unwrap();
    assert!(text.starts_with("## Seed"), "{text}");
    let table_lines: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table_lines.len(), 2 + one.rows.len());
    let columns = table_lines[0].matches(" | ").count();
    assert!(
        table_lines
            .iter()
            .all(|l| l.matches(" | ").count() == columns),
        "{text}"
    );
    for needle in [
        "Test CPU",
        "2025-11-25",
        "abcdef123456",
        "cargo bench --bench seed",
        "**tokio**",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let text = String::from_utf8(MarkdownExporter.serialize(&many).unwrap()).unwrap();
    assert_eq!(text.matches("| workers |").count(), 1, "{text}");
    assert!(text.contains("refused: too many threads, a\\|b"), "{text}");
    let table_lines: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    let columns = table_lines[0].matches(" | ").count();
    assert!(
        table_lines
            .iter()
            .all(|l| l.matches(" | ").count() == columns),
        "{text}"
    );
}

fn split_csv(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[test]
fn csv_has_provenance_comments_a_header_and_equal_width_rows() {
    let (_, many) = tables();
    let text = String::from_utf8(CsvExporter.serialize(&many).unwrap()).unwrap();
    let comments = text.lines().take_while(|l| l.starts_with('#')).count();
    assert_eq!(comments, 4, "{text}");
    let data: Vec<Vec<String>> = text.lines().skip(comments).map(split_csv).collect();
    assert_eq!(data.len(), 1 + many.rows.len());
    assert_eq!(data[0][0], "scenario");
    assert!(
        data.iter().all(|fields| fields.len() == data[0].len()),
        "{text}"
    );
    let refused = data.iter().find(|f| f[2] == "rayon").unwrap();
    assert_eq!(refused[7], "too many threads, a|b");
    let tokio = data
        .iter()
        .find(|f| f[2] == "tokio" && f[1] == "10")
        .unwrap();
    assert_eq!(tokio[8].parse::<f64>().unwrap(), many.rows[1].time.median);
}

#[test]
fn json_round_trips() {
    let (one, _) = tables();
    let bytes = JsonExporter.serialize(&one).unwrap();
    let back: ResultTable = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        (&back.scenario, &back.provenance),
        (&one.scenario, &one.provenance)
    );
    assert_eq!(back.rows.len(), one.rows.len());
    for (a, b) in back.rows.iter().zip(&one.rows) {
        assert_eq!(
            (&a.strategy, &a.point, a.counts),
            (&b.strategy, &b.point, b.counts)
        );
        assert!((a.time.median - b.time.median).abs() < 1e-12);
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(value["provenance"]["machine"]["cores"], 2);
    assert_eq!(value["rows"][0]["strategy"], "sequential");
}

#[test]
fn svg_charts_name_every_strategy_and_the_ideal() {
    let (one, many) = tables();
    for table in [&one, &many] {
        let svg = String::from_utf8(SvgExporter.serialize(table).unwrap()).unwrap();
        assert!(
            svg.contains("<svg") && svg.contains("<desc>Machine: 2 cores"),
            "{svg}"
        );
        assert!(svg.contains("ideal"), "{svg}");
        assert!(svg.contains("cargo bench --bench seed"));
        for row in table.rows.iter().filter(|r| r.refused.is_none()) {
            assert!(svg.contains(&row.strategy), "{} missing", row.strategy);
        }
    }
}

#[test]
fn text_summary_is_aligned() {
    let (one, _) = tables();
    let text = one.render_summary();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + one.rows.len());
    let header: Vec<char> = lines[0].chars().collect();
    let column = (0..header.len())
        .find(|&i| header[i..].starts_with(&['i', 'd', 'e', 'a', 'l']))
        .unwrap();
    assert!(
        lines[2..]
            .iter()
            .all(|l| l.chars().nth(column - 1) == Some(' ')),
        "{text}"
    );
    assert!(
        lines[2..]
            .iter()
            .all(|l| l.chars().nth(column) != Some(' ')),
        "{text}"
    );
    assert!(text.contains("80 / 0 / 0"));
}

#[test]
fn results_directory_gets_every_file_and_the_efficiency_chart() {
    let (one, many) = tables();
    let dir = tempfile::tempdir().unwrap();
    write_results(dir.path(), &one).unwrap();
    let written = write_results(dir.path(), &many).unwrap();
    assert_eq!(written.len(), 5);
    for name in [
        "seed.md",
        "seed.csv",
        "seed.json",
        "seed.svg",
        "concurrency.svg",
        "efficiency.svg",
    ] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let tables = read_tables(dir.path()).unwrap();
    assert_eq!(tables.len(), 2);
    let efficiency = std::fs::read_to_string(dir.path().join("efficiency.svg")).unwrap();
    assert!(
        efficiency.contains("seed") && efficiency.contains("concurrency 1000"),
        "{efficiency}"
    );
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

#[test]
fn a_json_file_that_is_not_a_table_is_an_error_with_its_name() {
    let (one, _) = tables();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("unrelated.json"), b"{\"not\": \"a table\"}").unwrap();
    let err = write_results(dir.path(), &one).unwrap_err();
    assert!(matches!(err, ExportError::Table { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("unrelated.json"), "{message}");
    assert!(message.contains("is not a result table"), "{message}");
}

/// Writes the synthetic tables' files to `$FETCHLAB_PLOT_DIR`, when set, to
/// look at the charts.
#[test]
fn charts_for_a_visual_check() {
    let Some(dir) = std::env::var_os("FETCHLAB_PLOT_DIR") else {
        return;
    };
    let (one, many) = tables();
    write_results(std::path::Path::new(&dir), &one).unwrap();
    write_results(std::path::Path::new(&dir), &many).unwrap();
}

/// A hosts table: each host's connections and peak in every format, the
/// columns lined up (a refused row included).
#[test]
fn a_table_spanning_hosts_shows_each_hosts_counts() {
    use crate::server::HostCounters;
    let hosts = Scenario::hosts();
    let mut table = ResultTable::new(&hosts, provenance());
    for s in [Strategy::Threads, Strategy::Tokio] {
        let mut row = row(&hosts, 1, s, 0.5);
        row.hosts = (1..=8)
            .map(|i| HostCounters {
                requests: 10,
                connections: 4,
                bytes_sent: 1000,
                peak_in_flight: if i == 8 { 3 } else { 4 },
            })
            .collect();
        table.push(row);
    }
    table.push(Row::refused(
        &hosts.points[1],
        Strategy::Rayon,
        0.45,
        "no".into(),
    ));
    assert!(table.has_hosts());
    let md = String::from_utf8(MarkdownExporter.serialize(&table).unwrap()).unwrap();
    let lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(
        lines[0]
            .contains("| server peak in-flight | connections per host | peak in-flight per host |"),
        "{}",
        lines[0]
    );
    let columns = lines[0].matches(" | ").count();
    assert!(
        lines.iter().all(|l| l.matches(" | ").count() == columns),
        "{md}"
    );
    assert!(
        lines[2].contains("| 4·4·4·4·4·4·4·4 | 4·4·4·4·4·4·4·3 |"),
        "{}",
        lines[2]
    );
    assert!(
        md.contains("Several hosts: job i of the list goes to host i mod N"),
        "{md}"
    );
    let csv = String::from_utf8(CsvExporter.serialize(&table).unwrap()).unwrap();
    let data: Vec<&str> = csv.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        data[0].ends_with(",host_connections,host_peak_in_flight"),
        "{}",
        data[0]
    );
    assert!(
        data[1].ends_with(",4 4 4 4 4 4 4 4,4 4 4 4 4 4 4 3"),
        "{}",
        data[1]
    );
    let text = table.render_summary();
    assert!(text.contains("4·4·4·4·4·4·4·4, 4·4·4·4·4·4·4·3"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&JsonExporter.serialize(&table).unwrap()).unwrap();
    assert_eq!(json["rows"][0]["hosts"][7]["peak_in_flight"], 3);
    let svg = String::from_utf8(SvgExporter.serialize(&table).unwrap()).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
}
