//! What is known of an expression's type without a compiler: the lock family of a
//! receiver (`self.state`, a local annotated or built as a lock, a static of the
//! file or the crate, `Mutex::new(..)`, what a fn of the file returns), the struct a
//! place is (for field and method look-ups), and what a `let` initialiser tells of
//! the new local. The locals in view are the lowering's (`Locals`).

use crate::hazard::table::{RECEIVER_PASSTHROUGH, STD_STREAMS};
use crate::hazard::{self, Family, Hazard, HazardClass, LockKind, Receiver, Shape};
use crate::resolve::file_index::{path_names, FieldDecl};

use super::{Locals, Sketch, TyHint};

const TRACING: Receiver = Receiver::new(Family::Tracing, LockKind::Unknown);

/// How deep a receiver expression is followed (`&*self.a.clone()`).
const MAX_RECEIVER_DEPTH: usize = 8;

impl<'a, 'ast> Sketch<'a, 'ast> {
    /// What is known of the lock family of a receiver expression.
    pub fn receiver_of(&self, e: &syn::Expr, locals: &dyn Locals<'ast>) -> Option<Receiver> {
        self.receiver_depth(e, locals, 0)
    }

    /// A receiver of unknown type that is a tracing span by every sign: the file
    /// uses `tracing`, and it is a span macro, `Span::current()`, or named `span`.
    pub fn looks_like_span(&self, e: &syn::Expr) -> bool {
        if !self.index.evidence.tracing {
            return false;
        }
        match strip_parens(e) {
            syn::Expr::Macro(m) => is_span_macro(&m.mac),
            syn::Expr::Call(c) => matches!(strip_parens(&c.func), syn::Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "Span")),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| i.to_string().contains("span")),
            syn::Expr::Field(f) => {
                matches!(&f.member, syn::Member::Named(n) if n.to_string().contains("span"))
            }
            syn::Expr::MethodCall(m) => m.method == "clone" && self.looks_like_span(&m.receiver),
            _ => false,
        }
    }

    fn receiver_depth(
        &self,
        e: &syn::Expr,
        locals: &dyn Locals<'ast>,
        depth: usize,
    ) -> Option<Receiver> {
        if depth > MAX_RECEIVER_DEPTH {
            return None;
        }
        match strip_parens(e) {
            syn::Expr::Macro(m) if is_span_macro(&m.mac) && self.index.evidence.tracing => {
                Some(TRACING)
            }
            syn::Expr::Path(p) => self.receiver_of_name(&p.path.get_ident()?.to_string(), locals),
            syn::Expr::Field(f) => {
                let member = member_name(&f.member);
                let struct_name = self.struct_of(&f.base, locals)?;
                match self.index.field_decl(&struct_name, &member)? {
                    FieldDecl::Here(ty) => self.receiver_of_type(ty),
                    FieldDecl::Crate(entry) => self.receiver_of_path(&entry.type_path?),
                }
            }
            syn::Expr::Reference(r) => self.receiver_depth(&r.expr, locals, depth + 1),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.receiver_depth(&u.expr, locals, depth + 1)
            }
            syn::Expr::MethodCall(m)
                if RECEIVER_PASSTHROUGH.contains(&m.method.to_string().as_str())
                    && m.args.is_empty() =>
            {
                self.receiver_depth(&m.receiver, locals, depth + 1)
            }
            syn::Expr::MethodCall(m) => {
                let self_ty = self.struct_of(&m.receiver, locals);
                let sig = self
                    .index
                    .signature(self_ty.as_deref(), &m.method.to_string())?;
                self.receiver_returned(sig)
            }
            syn::Expr::Call(c) => self.receiver_of_call(c, locals, depth),
            _ => None,
        }
    }

    /// A local, or a static of the file or the crate.
    fn receiver_of_name(&self, ident: &str, locals: &dyn Locals<'ast>) -> Option<Receiver> {
        if let Some(hint) = locals.hint(ident) {
            return self.receiver_of_hint(hint);
        }
        if let Some(ty) = self.index.statics.get(ident) {
            return self.receiver_of_type(ty);
        }
        if let Some(ty) = self.index.lazy_statics.get(ident) {
            return self.receiver_of_type(ty);
        }
        // A static of another file of the crate.
        let entry = self.index.crate_table.as_ref()?.static_type(ident)?;
        self.receiver_of_path(&entry.type_path?)
    }

    /// The lock family of what a fn with `sig` returns.
    fn receiver_returned(&self, sig: &syn::Signature) -> Option<Receiver> {
        match &sig.output {
            syn::ReturnType::Type(_, ty) => self.receiver_of_type(ty),
            syn::ReturnType::Default => None,
        }
    }

    /// `Mutex::new(..)`, `Arc::new(..)`, `io::stdout()`, a fn of the file.
    fn receiver_of_call(
        &self,
        c: &syn::ExprCall,
        locals: &dyn Locals<'ast>,
        depth: usize,
    ) -> Option<Receiver> {
        let syn::Expr::Path(p) = strip_parens(&c.func) else {
            return None;
        };
        let segs: Vec<String> = path_names(&p.path);
        let last = segs.last()?.as_str();
        // `io::stdout().lock()` is a `StdoutLock`, not a lock guard.
        if STD_STREAMS.iter().any(|(f, _)| *f == last) {
            return Some(Receiver::OTHER);
        }
        if matches!(last, "new" | "default" | "from" | "clone") && segs.len() >= 2 {
            let ty_segs = segs[..segs.len() - 1].to_vec();
            let ty_name = ty_segs.last()?.clone();
            let ty_name = ty_name.as_str();
            if matches!(ty_name, "Arc" | "Rc" | "Box" | "Pin") {
                return c
                    .args
                    .first()
                    .and_then(|a| self.receiver_depth(a, locals, depth + 1));
            }
            let full = self.index.resolve_segments(ty_segs);
            if full.len() == 1 && !matches!(ty_name, "RefCell") {
                // A struct of this file is no lock; another unresolved name cannot
                // be told.
                return self
                    .index
                    .structs
                    .contains_key(ty_name)
                    .then_some(Receiver::OTHER);
            }
            let full = if full.len() == 1 {
                vec!["std".into(), "cell".into(), "RefCell".into()]
            } else {
                full
            };
            return hazard::classify_lock_path(&full);
        }
        self.receiver_returned(self.index.signature(None, last)?)
    }

    fn receiver_of_hint(&self, hint: &TyHint<'ast>) -> Option<Receiver> {
        match hint {
            TyHint::None => None,
            TyHint::Type(ty) => self.receiver_of_type(ty),
            TyHint::Receiver(r) => Some(*r),
            TyHint::Struct(_) => Some(Receiver::OTHER),
        }
    }

    /// The name of the struct a place expression has, when known (`self`, a local
    /// annotated with or built as a struct of this file).
    pub fn struct_of(&self, e: &syn::Expr, locals: &dyn Locals<'ast>) -> Option<String> {
        match strip_parens(e) {
            syn::Expr::Path(p) => {
                let ident = p.path.get_ident()?.to_string();
                if ident == "self" {
                    if let Some(s) = locals
                        .hint("self")
                        .and_then(|h| self.struct_of_hint(h, locals))
                    {
                        return Some(s);
                    }
                    return locals.self_ty().map(str::to_string);
                }
                self.struct_of_hint(locals.hint(&ident)?, locals)
            }
            syn::Expr::Field(f) => {
                let base = self.struct_of(&f.base, locals)?;
                match self.index.field_decl(&base, &member_name(&f.member))? {
                    FieldDecl::Here(ty) => self.index.struct_key(ty),
                    FieldDecl::Crate(entry) => entry.struct_name,
                }
            }
            syn::Expr::Unary(u) => self.struct_of(&u.expr, locals),
            syn::Expr::Reference(r) => self.struct_of(&r.expr, locals),
            _ => None,
        }
    }

    fn struct_of_hint(&self, hint: &TyHint<'ast>, locals: &dyn Locals<'ast>) -> Option<String> {
        match hint {
            TyHint::Struct(s) => Some(s.clone()),
            TyHint::Type(ty) => {
                let name = self.index.struct_key(ty)?;
                if name == "Self" {
                    return locals.self_ty().map(str::to_string);
                }
                Some(name)
            }
            _ => None,
        }
    }

    /// What a `let` initialiser tells about the new local's type.
    pub fn hint_of_expr(
        &self,
        e: &'ast syn::Expr,
        ty: Option<&'ast syn::Type>,
        locals: &dyn Locals<'ast>,
    ) -> TyHint<'ast> {
        if let Some(ty) = ty {
            return TyHint::Type(ty);
        }
        match strip_parens(e) {
            syn::Expr::Struct(s) => s
                .path
                .segments
                .last()
                .map(|seg| TyHint::Struct(seg.ident.to_string()))
                .unwrap_or(TyHint::None),
            syn::Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| locals.hint(&i.to_string()))
                .cloned()
                .unwrap_or(TyHint::None),
            other => match self.receiver_of(other, locals) {
                Some(r) => TyHint::Receiver(r),
                None => TyHint::None,
            },
        }
    }

    /// The `#[must_not_suspend]` hazards of the value a field place names
    /// (`self.token`), from the field's declared type: what `&mut self.token` refers to.
    pub fn field_place_hazards(&self, e: &syn::Expr, locals: &dyn Locals<'ast>) -> Vec<Shape> {
        let syn::Expr::Field(f) = strip_parens(e) else {
            return Vec::new();
        };
        let Some(base) = self.struct_of(&f.base, locals) else {
            return Vec::new();
        };
        let shapes = match self.index.field_decl(&base, &member_name(&f.member)) {
            Some(FieldDecl::Here(ty)) => self.shapes_of_type(ty),
            Some(FieldDecl::Crate(entry)) => entry
                .type_path
                .and_then(|p| self.must_not_suspend_hazard_path(&p))
                .map(Shape::new)
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        shapes
            .into_iter()
            .filter(|s| s.layers.is_empty() && s.hazard.class == HazardClass::MustNotSuspend)
            .collect()
    }

    /// `stdout().lock()`: a `StdoutLock` is `!Send` (only `future_not_send` cares),
    /// not a lock guard for `await_holding_lock`.
    pub fn std_stream_lock(&self, receiver: &syn::Expr) -> Option<Shape> {
        let syn::Expr::Call(c) = strip_parens(receiver) else {
            return None;
        };
        let syn::Expr::Path(p) = strip_parens(&c.func) else {
            return None;
        };
        let name = p.path.segments.last()?.ident.to_string();
        let (_, which) = STD_STREAMS.iter().find(|(f, _)| *f == name)?;
        Some(Shape::new(Hazard::new(
            HazardClass::NotSend,
            format!("std::io::{which}Lock"),
        )))
    }
}

fn strip_parens(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip_parens(&p.expr),
        syn::Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

/// A field's name or index, as the file index keys fields.
fn member_name(m: &syn::Member) -> String {
    match m {
        syn::Member::Named(n) => n.to_string(),
        syn::Member::Unnamed(i) => i.index.to_string(),
    }
}

/// `span!`, `info_span!`, `debug_span!`... (tracing's span constructors).
fn is_span_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "span" || s.ident.to_string().ends_with("_span"))
}
