//! `macro_rules!` as rustc expands them, as far as the analysis needs: a rule's
//! matcher (literal tokens, delimited groups, fragments `$x:kind`, repetitions
//! `$( … ) sep op`, nested) matched against an invocation's tokens, and its
//! transcriber written out with the bindings, repetitions included.
//!
//! Matching follows the macro-by-example reference: the rules are tried in order and
//! the first that matches wins; a fragment is parsed greedily by the parser of its
//! kind (syn's, here) and never backtracked into, while a repetition may end after
//! any iteration, the continuation deciding. The tokens the macro itself writes take
//! the span of the whole invocation (a temporary made there is reported at the
//! call); the arguments keep theirs. Anything this does not follow (an unknown
//! fragment kind, a repetition whose variables disagree on their count, too much
//! work) is `None`: the caller does not expand the call.

use crate::support::hash::HashMap;

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};

/// At most this many matcher states are followed at once; past it, no expansion.
const MAX_STATES: usize = 256;
/// At most this much matching work (elements tried) per invocation.
const MAX_STEPS: usize = 20_000;

/// A parsed `macro_rules!` body: its rules, in order.
#[derive(Debug)]
pub struct MacroRules {
    rules: Vec<(Vec<Matcher>, Vec<Trans>)>,
}

/// How many times a repetition may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RepOp {
    /// `*`
    Any,
    /// `+`
    AtLeastOne,
    /// `?`
    AtMostOne,
}

/// A fragment specifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fragment {
    Expr,
    Ident,
    Ty,
    Path,
    Pat,
    PatParam,
    Block,
    Stmt,
    Item,
    Literal,
    Lifetime,
    Tt,
    Meta,
    Vis,
}

impl Fragment {
    fn from_name(name: &str) -> Option<Fragment> {
        Some(match name {
            "expr" | "expr_2021" => Fragment::Expr,
            "ident" => Fragment::Ident,
            "ty" => Fragment::Ty,
            "path" => Fragment::Path,
            "pat" => Fragment::Pat,
            "pat_param" => Fragment::PatParam,
            "block" => Fragment::Block,
            "stmt" => Fragment::Stmt,
            "item" => Fragment::Item,
            "literal" => Fragment::Literal,
            "lifetime" => Fragment::Lifetime,
            "tt" => Fragment::Tt,
            "meta" => Fragment::Meta,
            "vis" => Fragment::Vis,
            _ => return None,
        })
    }
}

/// One element of a matcher.
#[derive(Debug)]
enum Matcher {
    /// A token that must be there as written.
    Token(TokenTree),
    /// A delimited group, matched inside.
    Group(Delimiter, Vec<Matcher>),
    Fragment(String, Fragment),
    Repeat {
        inner: Vec<Matcher>,
        sep: Option<TokenTree>,
        op: RepOp,
        /// The variables the repetition binds (at any depth inside it).
        vars: Vec<String>,
    },
}

/// One element of a transcriber.
#[derive(Debug)]
enum Trans {
    Token(TokenTree),
    Var(String),
    Crate,
    Group(Delimiter, Vec<Trans>),
    Repeat {
        inner: Vec<Trans>,
        sep: Option<TokenTree>,
    },
}

/// What a variable is bound to: a fragment, or one binding per iteration of the
/// repetition it is in.
#[derive(Debug, Clone)]
enum Binding {
    One(TokenStream),
    Many(Vec<Binding>),
}

type Bindings = HashMap<String, Binding>;

impl MacroRules {
    /// The rules of a `macro_rules!` body (`(matcher) => {transcriber};` …), `None`
    /// if one of them is not of a form this follows.
    pub fn parse(body: &TokenStream) -> Option<MacroRules> {
        let tokens: Vec<TokenTree> = body.clone().into_iter().collect();
        let mut rules = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let (
                Some(TokenTree::Group(m)),
                Some(TokenTree::Punct(eq)),
                Some(TokenTree::Punct(gt)),
                Some(TokenTree::Group(t)),
            ) = (
                tokens.get(i),
                tokens.get(i + 1),
                tokens.get(i + 2),
                tokens.get(i + 3),
            )
            else {
                return None;
            };
            if eq.as_char() != '=' || gt.as_char() != '>' {
                return None;
            }
            rules.push((parse_matcher(m.stream())?, parse_transcriber(t.stream())?));
            i += 4;
            if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                i += 1;
            }
        }
        Some(MacroRules { rules })
    }

    /// The tokens an invocation with `args` expands to, its own tokens spanned at
    /// `call`; `None` if no rule matches or the expansion cannot be written.
    pub fn expand(&self, args: &TokenStream, call: Span) -> Option<TokenStream> {
        let args: Vec<TokenTree> = args.clone().into_iter().collect();
        let mut steps = 0;
        for (matcher, transcriber) in &self.rules {
            let mut states = match_seq(matcher, &args, 0, &mut steps)?;
            if let Some(i) = states.iter().position(|(end, _)| *end == args.len()) {
                let bindings = states.swap_remove(i).1;
                let mut out = Vec::new();
                transcribe(transcriber, &bindings, &mut Vec::new(), call, &mut out)?;
                return Some(out.into_iter().collect());
            }
        }
        None
    }
}

fn is_punct(tt: Option<&TokenTree>, c: char) -> bool {
    matches!(tt, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// A repetition's separator and operator, after its group: `,*`, `+`, `;?`…; with
/// how many tokens they take.
fn rep_suffix(rest: &[TokenTree]) -> Option<(Option<TokenTree>, RepOp, usize)> {
    let op_of = |tt: Option<&TokenTree>| match tt {
        Some(TokenTree::Punct(p)) => match p.as_char() {
            '*' => Some(RepOp::Any),
            '+' => Some(RepOp::AtLeastOne),
            '?' => Some(RepOp::AtMostOne),
            _ => None,
        },
        _ => None,
    };
    if let Some(op) = op_of(rest.first()) {
        return Some((None, op, 1));
    }
    let sep = rest.first()?;
    if matches!(sep, TokenTree::Group(_)) {
        return None;
    }
    // `?` takes no separator.
    match op_of(rest.get(1))? {
        RepOp::AtMostOne => None,
        op => Some((Some(sep.clone()), op, 2)),
    }
}

fn parse_matcher(stream: TokenStream) -> Option<Vec<Matcher>> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tt = &tokens[i];
        if is_punct(Some(tt), '$') {
            match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) if is_punct(tokens.get(i + 2), ':') => {
                    let Some(TokenTree::Ident(kind)) = tokens.get(i + 3) else {
                        return None;
                    };
                    let kind = Fragment::from_name(&kind.to_string())?;
                    out.push(Matcher::Fragment(name.to_string(), kind));
                    i += 4;
                    continue;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = parse_matcher(g.stream())?;
                    let (sep, op, taken) = rep_suffix(&tokens[i + 2..])?;
                    let mut vars = Vec::new();
                    matcher_vars(&inner, &mut vars);
                    out.push(Matcher::Repeat {
                        inner,
                        sep,
                        op,
                        vars,
                    });
                    i += 2 + taken;
                    continue;
                }
                // `$crate` and the like in a matcher: not followed.
                _ => return None,
            }
        }
        match tt {
            TokenTree::Group(g) => {
                out.push(Matcher::Group(g.delimiter(), parse_matcher(g.stream())?))
            }
            other => out.push(Matcher::Token(other.clone())),
        }
        i += 1;
    }
    Some(out)
}

fn matcher_vars(ms: &[Matcher], out: &mut Vec<String>) {
    for m in ms {
        match m {
            Matcher::Token(_) => {}
            Matcher::Group(_, inner) => matcher_vars(inner, out),
            Matcher::Fragment(name, _) => out.push(name.clone()),
            Matcher::Repeat { vars, .. } => out.extend(vars.iter().cloned()),
        }
    }
}

fn parse_transcriber(stream: TokenStream) -> Option<Vec<Trans>> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tt = &tokens[i];
        if is_punct(Some(tt), '$') {
            match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.push(Trans::Crate);
                    i += 2;
                    continue;
                }
                Some(TokenTree::Ident(name)) => {
                    out.push(Trans::Var(name.to_string()));
                    i += 2;
                    continue;
                }
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let inner = parse_transcriber(g.stream())?;
                    let (sep, _, taken) = rep_suffix(&tokens[i + 2..])?;
                    out.push(Trans::Repeat { inner, sep });
                    i += 2 + taken;
                    continue;
                }
                _ => return None,
            }
        }
        match tt {
            TokenTree::Group(g) => {
                out.push(Trans::Group(g.delimiter(), parse_transcriber(g.stream())?));
            }
            other => out.push(Trans::Token(other.clone())),
        }
        i += 1;
    }
    Some(out)
}

/// Every way `ms` matches a prefix of `toks[pos..]`: (end, bindings). `None` when
/// matching costs more than it may.
fn match_seq(
    ms: &[Matcher],
    toks: &[TokenTree],
    pos: usize,
    steps: &mut usize,
) -> Option<Vec<(usize, Bindings)>> {
    let mut states = vec![(pos, Bindings::default())];
    for m in ms {
        let mut next = Vec::new();
        for (at, bound) in states {
            for (end, more) in match_one(m, toks, at, steps)? {
                let mut b = bound.clone();
                b.extend(more);
                next.push((end, b));
            }
        }
        if next.len() > MAX_STATES {
            return None;
        }
        states = next;
        if states.is_empty() {
            break;
        }
    }
    Some(states)
}

/// Every way one matcher element matches at `toks[pos..]`.
fn match_one(
    m: &Matcher,
    toks: &[TokenTree],
    pos: usize,
    steps: &mut usize,
) -> Option<Vec<(usize, Bindings)>> {
    *steps += 1;
    if *steps > MAX_STEPS {
        return None;
    }
    Some(match m {
        Matcher::Token(t) => match toks.get(pos) {
            Some(tt) if same_token(t, tt) => vec![(pos + 1, Bindings::default())],
            _ => Vec::new(),
        },
        Matcher::Group(d, inner) => match toks.get(pos) {
            Some(TokenTree::Group(g)) if g.delimiter() == *d => {
                let inside: Vec<TokenTree> = g.stream().into_iter().collect();
                match_seq(inner, &inside, 0, steps)?
                    .into_iter()
                    .filter(|(end, _)| *end == inside.len())
                    .map(|(_, b)| (pos + 1, b))
                    .take(1)
                    .collect()
            }
            _ => Vec::new(),
        },
        Matcher::Fragment(name, kind) => match fragment_len(*kind, &toks[pos..]) {
            Some(n) => {
                let taken: TokenStream = toks[pos..pos + n].iter().cloned().collect();
                let value = match kind {
                    Fragment::Expr | Fragment::Ty => one_operand(taken),
                    _ => taken,
                };
                vec![(
                    pos + n,
                    Bindings::from_iter([(name.clone(), Binding::One(value))]),
                )]
            }
            None => Vec::new(),
        },
        Matcher::Repeat {
            inner,
            sep,
            op,
            vars,
        } => match_repeat(inner, sep.as_ref(), *op, vars, toks, pos, steps)?,
    })
}

/// The ways a repetition matches: after 0 (unless `+`), 1, 2… iterations.
fn match_repeat(
    inner: &[Matcher],
    sep: Option<&TokenTree>,
    op: RepOp,
    vars: &[String],
    toks: &[TokenTree],
    pos: usize,
    steps: &mut usize,
) -> Option<Vec<(usize, Bindings)>> {
    let collect = |at: usize, iterations: &[Bindings]| {
        let bound = vars
            .iter()
            .map(|v| {
                let each = iterations
                    .iter()
                    .map(|b| b.get(v).cloned().unwrap_or(Binding::Many(Vec::new())))
                    .collect();
                (v.clone(), Binding::Many(each))
            })
            .collect();
        (at, bound)
    };
    let mut out = Vec::new();
    if op != RepOp::AtLeastOne {
        out.push(collect(pos, &[]));
    }
    let mut frontier: Vec<(usize, Vec<Bindings>)> = vec![(pos, Vec::new())];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for (at, iterations) in &frontier {
            let start = match (iterations.is_empty(), sep) {
                (false, Some(s)) => match toks.get(*at) {
                    Some(tt) if same_token(s, tt) => at + 1,
                    _ => continue,
                },
                _ => *at,
            };
            for (end, b) in match_seq(inner, toks, start, steps)? {
                // An iteration that takes nothing would repeat forever.
                if end == *at {
                    continue;
                }
                let mut its = iterations.clone();
                its.push(b);
                out.push(collect(end, &its));
                if op != RepOp::AtMostOne {
                    next.push((end, its));
                }
            }
        }
        if next.len() > MAX_STATES || out.len() > MAX_STATES {
            return None;
        }
        frontier = next;
    }
    Some(out)
}

/// Whether a matcher's literal token is the invocation's.
fn same_token(want: &TokenTree, got: &TokenTree) -> bool {
    match (want, got) {
        (TokenTree::Punct(a), TokenTree::Punct(b)) => a.as_char() == b.as_char(),
        (TokenTree::Ident(a), TokenTree::Ident(b)) => a == b,
        (TokenTree::Literal(a), TokenTree::Literal(b)) => a.to_string() == b.to_string(),
        _ => false,
    }
}

/// How many of `toks`' leading tokens a fragment of `kind` takes, if it matches.
fn fragment_len(kind: Fragment, toks: &[TokenTree]) -> Option<usize> {
    match kind {
        Fragment::Tt => return (!toks.is_empty()).then_some(1),
        Fragment::Ident => {
            return matches!(toks.first(), Some(TokenTree::Ident(i)) if i != "_").then_some(1);
        }
        Fragment::Lifetime => {
            return (matches!(toks.first(), Some(TokenTree::Punct(p)) if p.as_char() == '\'')
                && matches!(toks.get(1), Some(TokenTree::Ident(_))))
            .then_some(2);
        }
        Fragment::Literal => {
            let neg = usize::from(is_punct(toks.first(), '-'));
            return matches!(toks.get(neg), Some(TokenTree::Literal(_))).then_some(neg + 1);
        }
        _ => {}
    }
    let input: TokenStream = toks.iter().cloned().collect();
    let parsed = |input: ParseStream| -> syn::Result<usize> {
        match kind {
            Fragment::Expr => drop(input.parse::<syn::Expr>()?),
            Fragment::Ty => drop(input.parse::<syn::Type>()?),
            Fragment::Path => drop(input.parse::<syn::Path>()?),
            Fragment::Pat => drop(syn::Pat::parse_multi_with_leading_vert(input)?),
            Fragment::PatParam => drop(syn::Pat::parse_single(input)?),
            Fragment::Block => drop(input.parse::<syn::Block>()?),
            Fragment::Stmt => drop(input.parse::<syn::Stmt>()?),
            Fragment::Item => drop(input.parse::<syn::Item>()?),
            Fragment::Meta => drop(input.parse::<syn::Meta>()?),
            Fragment::Vis => drop(input.parse::<syn::Visibility>()?),
            Fragment::Tt | Fragment::Ident | Fragment::Lifetime | Fragment::Literal => {}
        }
        let rest: TokenStream = input.parse()?;
        Ok(rest.into_iter().count())
    };
    let rest = parsed.parse2(input).ok()?;
    let n = toks.len() - rest;
    (n > 0 || kind == Fragment::Vis).then_some(n)
}

/// An `expr` or `ty` fragment is one operand wherever it lands: the tokens in
/// parentheses, spanned as they are.
fn one_operand(tokens: TokenStream) -> TokenStream {
    let spans: Vec<Span> = tokens.clone().into_iter().map(|t| t.span()).collect();
    let span = match (spans.first(), spans.last()) {
        (Some(first), Some(last)) => first.join(*last).unwrap_or(*first),
        _ => return tokens,
    };
    let mut group = Group::new(Delimiter::Parenthesis, tokens);
    group.set_span(span);
    TokenStream::from(TokenTree::Group(group))
}

/// The binding of `name` at the repetition indices `at`, as deep as it goes.
fn lookup<'b>(bindings: &'b Bindings, name: &str, at: &[usize]) -> Option<&'b Binding> {
    let mut b = bindings.get(name)?;
    for &i in at {
        match b {
            Binding::Many(each) => b = each.get(i)?,
            Binding::One(_) => break,
        }
    }
    Some(b)
}

/// How many iterations a transcriber repetition takes at `at`: the common count of
/// the repeated variables it uses; `None` if they disagree or none repeats.
fn repeat_count(inner: &[Trans], bindings: &Bindings, at: &[usize]) -> Option<usize> {
    fn walk(ts: &[Trans], bindings: &Bindings, at: &[usize], counts: &mut Vec<usize>) {
        for t in ts {
            match t {
                Trans::Var(name) => {
                    if let Some(Binding::Many(each)) = lookup(bindings, name, at) {
                        counts.push(each.len());
                    }
                }
                Trans::Group(_, inner) | Trans::Repeat { inner, .. } => {
                    walk(inner, bindings, at, counts);
                }
                Trans::Token(_) | Trans::Crate => {}
            }
        }
    }
    let mut counts = Vec::new();
    walk(inner, bindings, at, &mut counts);
    let first = *counts.first()?;
    counts.iter().all(|&c| c == first).then_some(first)
}

fn transcribe(
    ts: &[Trans],
    bindings: &Bindings,
    at: &mut Vec<usize>,
    call: Span,
    out: &mut Vec<TokenTree>,
) -> Option<()> {
    for t in ts {
        match t {
            Trans::Token(tt) => {
                let mut tt = tt.clone();
                tt.set_span(call);
                out.push(tt);
            }
            Trans::Crate => out.push(TokenTree::Ident(proc_macro2::Ident::new("crate", call))),
            Trans::Var(name) => match lookup(bindings, name, at) {
                Some(Binding::One(tokens)) => out.extend(tokens.clone()),
                // Still repeated here, or not a variable of the matcher.
                _ => return None,
            },
            Trans::Group(d, inner) => {
                let mut inside = Vec::new();
                transcribe(inner, bindings, at, call, &mut inside)?;
                let mut group = Group::new(*d, inside.into_iter().collect());
                group.set_span(call);
                out.push(TokenTree::Group(group));
            }
            Trans::Repeat { inner, sep } => {
                let n = repeat_count(inner, bindings, at)?;
                for i in 0..n {
                    if let (true, Some(sep)) = (i > 0, sep) {
                        // Written before `*` in the rule, the separator is joint there.
                        let mut sep = match sep {
                            TokenTree::Punct(p) => TokenTree::Punct(proc_macro2::Punct::new(
                                p.as_char(),
                                proc_macro2::Spacing::Alone,
                            )),
                            other => other.clone(),
                        };
                        sep.set_span(call);
                        out.push(sep);
                    }
                    at.push(i);
                    transcribe(inner, bindings, at, call, out)?;
                    at.pop();
                }
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(body: &str, args: &str) -> Option<String> {
        let rules = MacroRules::parse(&body.parse().unwrap())?;
        rules
            .expand(&args.parse().unwrap(), Span::call_site())
            .map(|t| t.to_string())
    }

    #[test]
    fn fragments_and_literal_tokens() {
        let body = "($m:expr => $body:block) => { { let g = $m.lock(); $body } };";
        assert_eq!(
            expand(body, "self.m => { tick().await; }").as_deref(),
            Some("{ let g = (self . m) . lock () ; { tick () . await ; } }")
        );
        assert_eq!(expand(body, "self.m, { }"), None);
    }

    #[test]
    fn rules_are_tried_in_order() {
        let body = "(one $x:ident) => { 1 }; ($x:ident) => { 2 }; ($($t:tt)*) => { 3 };";
        assert_eq!(expand(body, "one a").as_deref(), Some("1"));
        assert_eq!(expand(body, "a").as_deref(), Some("2"));
        assert_eq!(expand(body, "a b c").as_deref(), Some("3"));
    }

    #[test]
    fn repetitions_nest_and_separate() {
        let body =
            "($($name:ident = [$($v:expr),*]);* $(;)?) => { $( let $name = vec![$($v),*]; )* };";
        assert_eq!(
            expand(body, "a = [1, 2]; b = []").as_deref(),
            Some("let a = vec ! [(1) , (2)] ; let b = vec ! [] ;")
        );
        assert_eq!(
            expand(body, "a = [1];").as_deref(),
            Some("let a = vec ! [(1)] ;")
        );
    }

    #[test]
    fn a_repetition_ends_where_the_rest_matches() {
        let body = "($($x:ident)* ; $last:ident) => { $($x)+ $last };";
        assert_eq!(expand(body, "a b ; c").as_deref(), Some("a b c"));
        let plus = "($($x:expr),+) => { [$($x),+] };";
        assert_eq!(expand(plus, ""), None);
        assert_eq!(expand(plus, "1, f(2),").as_deref(), None);
        let trailing = "($($x:expr),+ $(,)?) => { [$($x),+] };";
        assert_eq!(
            expand(trailing, "1, f(2),").as_deref(),
            Some("[(1) , (f (2))]")
        );
    }

    #[test]
    fn greedy_fragments_and_their_kinds() {
        let body = "($p:pat in $e:expr; $t:ty; $l:lifetime; $n:literal; $v:vis fn) => { 0 };";
        assert!(expand(
            body,
            "Some(x) | None in a.b(); Vec<u8>; 'a; -1; pub(crate) fn"
        )
        .is_some());
        assert!(expand(body, "x in y; u8; 'a; -1; fn").is_some());
        assert!(expand(body, "x in y; u8; a; -1; fn").is_none());
    }

    #[test]
    fn mismatched_repetition_counts_do_not_expand() {
        let body = "($($a:ident),* ; $($b:ident),*) => { $( ($a, $b) )* };";
        assert_eq!(
            expand(body, "x, y ; p, q").as_deref(),
            Some("(x , p) (y , q)")
        );
        assert_eq!(expand(body, "x, y ; p"), None);
    }

    #[test]
    fn unknown_forms_are_not_followed() {
        assert!(MacroRules::parse(&"($x:nonsense) => {}".parse().unwrap()).is_none());
        assert!(MacroRules::parse(&"() => {} junk".parse().unwrap()).is_none());
        assert_eq!(expand("($x:ident) => { $y };", "a"), None);
    }
}
