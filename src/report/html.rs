//! The single-file HTML page: a small style sheet, tables, preformatted
//! text and every plot inlined as SVG. Nothing is loaded from anywhere (a
//! Content-Security-Policy forbids it), so the file reads offline.

use super::chart::Plot;
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A table: header cells and rows; columns flagged numeric are right-aligned.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Header cells.
    pub head: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Per column: right-align (numbers).
    pub numeric: Vec<bool>,
}

/// A piece of a section.
#[derive(Clone, Debug)]
pub enum Block {
    /// A paragraph of text.
    Para(String),
    /// A sub-heading.
    Heading(String),
    /// A table.
    Table(Table),
    /// Preformatted text under a collapsible title, open or closed.
    Pre {
        /// Title.
        title: String,
        /// Text.
        text: String,
        /// Shown expanded.
        open: bool,
    },
    /// Plots, by index into the report's plot list.
    Plots(Vec<usize>),
    /// Side-by-side groups of blocks (wrapping on narrow screens).
    Group(Vec<Vec<Block>>),
}

/// A section with an anchor.
#[derive(Clone, Debug)]
pub struct Section {
    /// Anchor id.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// The page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Title (the `<title>` and the top heading).
    pub title: String,
    /// Key facts under the heading: (name, value).
    pub facts: Vec<(String, String)>,
    /// Sections in order.
    pub sections: Vec<Section>,
}

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;
  margin: 0 auto; max-width: 1000px; padding: 16px 20px 40px; color: #1d1d1f; background: #fff; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.3em; margin: 1.6em 0 0.5em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0.3em 0 0.8em; color: #333; }
.facts b { color: #000; }
nav { font-size: 0.95em; margin: 0.5em 0; }
nav a { margin-right: 14px; }
a { color: #2f5d8a; }
table { border-collapse: collapse; margin: 0.4em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; }
.group { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
figure { margin: 1.2em 0; }
figure .svg svg { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
pre { background: #f7f7f9; border: 1px solid #e3e3e8; padding: 8px 10px; overflow-x: auto; font-size: 0.85em; }
details { margin: 0.5em 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 2.5em; font-size: 0.85em; color: #666; }
";

fn table(out: &mut String, t: &Table) {
    let num = |i: usize| t.numeric.get(i).copied().unwrap_or(false);
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for (i, h) in t.head.iter().enumerate() {
        let class = if num(i) { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let class = if num(i) { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn block(out: &mut String, b: &Block, plots: &[Plot], svgs: &[String]) {
    match b {
        Block::Para(p) => {
            let _ = writeln!(out, "<p>{}</p>", escape(p));
        }
        Block::Heading(h) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(h));
        }
        Block::Table(t) => table(out, t),
        Block::Pre { title, text, open } => {
            let _ = writeln!(
                out,
                "<details{}><summary>{}</summary>\n<pre>{}</pre>\n</details>",
                if *open { " open" } else { "" },
                escape(title),
                escape(text)
            );
        }
        Block::Group(children) => {
            out.push_str("<div class=\"group\">\n");
            for child in children {
                out.push_str("<div>\n");
                for b in child {
                    block(out, b, plots, svgs);
                }
                out.push_str("</div>\n");
            }
            out.push_str("</div>\n");
        }
        Block::Plots(ids) => {
            for &i in ids {
                let (Some(p), Some(svg)) = (plots.get(i), svgs.get(i)) else {
                    continue;
                };
                let _ = writeln!(
                    out,
                    "<figure id=\"plot-{}\">\n<div class=\"svg\">\n{}</div>\n<figcaption>{}</figcaption>\n</figure>",
                    escape(&p.stem),
                    svg.trim_end(),
                    escape(&p.caption)
                );
            }
        }
    }
}

impl Page {
    /// The HTML document, with `svgs[i]` the SVG of `plots[i]`.
    pub fn render(&self, plots: &[Plot], svgs: &[String]) -> String {
        let mut out = String::with_capacity(svgs.iter().map(String::len).sum::<usize>() + 16384);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
        );
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        // An empty icon: browsers would otherwise ask for /favicon.ico.
        out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        let _ = writeln!(out, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
        let _ = writeln!(out, "<header>\n<h1>{}</h1>", escape(&self.title));
        out.push_str("<div class=\"facts\">");
        for (k, v) in &self.facts {
            let _ = write!(out, "<span>{}: <b>{}</b></span>", escape(k), escape(v));
        }
        out.push_str("</div>\n<nav>");
        for s in &self.sections {
            let _ = write!(
                out,
                "<a href=\"#{}\">{}</a>",
                escape(&s.id),
                escape(&s.title)
            );
        }
        out.push_str("</nav>\n</header>\n<main>\n");
        for s in &self.sections {
            let _ = writeln!(
                out,
                "<section id=\"{}\">\n<h2>{}</h2>",
                escape(&s.id),
                escape(&s.title)
            );
            for b in &s.blocks {
                block(&mut out, b, plots, svgs);
            }
            out.push_str("</section>\n");
        }
        let _ = writeln!(
            out,
            "</main>\n<footer>Report made by kubesim {}. This page is self-contained: it loads no scripts, fonts or style sheets.</footer>\n</body>\n</html>",
            escape(env!("CARGO_PKG_VERSION"))
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
