//! The C API as cbindgen saw it, reduced to what the wrapper generators need: each function's
//! name, C types and documentation, the status constants, and the opaque types.

use cbindgen::Bindings;
use cbindgen::ir::{IntKind, ItemContainer, Literal, PrimitiveType, Type};

/// A C type of the API.
#[derive(Clone, Debug, PartialEq)]
pub enum CType {
    Void,
    Char,
    U8,
    U16,
    U32,
    Int,
    SizeT,
    /// A named type: an opaque struct, or a typedef (`wxface_status`).
    Named(String),
    Ptr {
        to: Box<CType>,
        is_const: bool,
    },
}

impl CType {
    /// The type as C writes it before a name (`const char *`, `wxface_client **`).
    pub fn c(&self) -> String {
        match self {
            CType::Void => "void".into(),
            CType::Char => "char".into(),
            CType::U8 => "uint8_t".into(),
            CType::U16 => "uint16_t".into(),
            CType::U32 => "uint32_t".into(),
            CType::Int => "int".into(),
            CType::SizeT => "size_t".into(),
            CType::Named(name) => name.clone(),
            CType::Ptr { to, is_const } => {
                let inner = to.c();
                let inner = if *is_const {
                    format!("const {inner}")
                } else {
                    inner
                };
                if inner.ends_with('*') {
                    format!("{inner}*")
                } else {
                    format!("{inner} *")
                }
            }
        }
    }
}

pub struct CFunction {
    pub name: String,
    pub ret: CType,
    pub args: Vec<(String, CType)>,
    pub doc: Vec<String>,
}

impl CFunction {
    /// `ret name(type arg, …)`, as in the header.
    pub fn signature(&self) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|(name, ty)| {
                let ty = ty.c();
                if ty.ends_with('*') {
                    format!("{ty}{name}")
                } else {
                    format!("{ty} {name}")
                }
            })
            .collect();
        let args = if args.is_empty() {
            "void".to_owned()
        } else {
            args.join(", ")
        };
        let ret = self.ret.c();
        let space = if ret.ends_with('*') { "" } else { " " };
        format!("{ret}{space}{}({args})", self.name)
    }
}

pub struct CConstant {
    pub name: String,
    pub value: String,
    pub doc: Vec<String>,
}

pub struct CApi {
    pub functions: Vec<CFunction>,
    pub constants: Vec<CConstant>,
    pub opaque_types: Vec<String>,
    /// typedef name -> the type it names (`wxface_status` -> `uint32_t`).
    pub typedefs: Vec<(String, CType)>,
}

impl CApi {
    pub fn from_bindings(bindings: &Bindings) -> CApi {
        let mut opaque_types = Vec::new();
        let mut typedefs = Vec::new();
        for item in &bindings.items {
            match item {
                ItemContainer::OpaqueItem(opaque) => opaque_types.push(opaque.export_name.clone()),
                ItemContainer::Typedef(typedef) => {
                    typedefs.push((typedef.export_name.clone(), c_type(&typedef.aliased)))
                }
                _ => {}
            }
        }
        let functions = bindings
            .functions
            .iter()
            .map(|f| CFunction {
                name: f.path.name().to_owned(),
                ret: c_type(&f.ret),
                args: f
                    .args
                    .iter()
                    .map(|a| (a.name.clone().unwrap_or_default(), c_type(&a.ty)))
                    .collect(),
                doc: f.documentation.doc_comment.clone(),
            })
            .collect();
        let constants = bindings
            .constants
            .iter()
            .map(|c| CConstant {
                name: c.export_name.clone(),
                value: match &c.value {
                    Literal::Expr(text) => text.clone(),
                    other => panic!(
                        "constant {} has an unexpected value {other:?}",
                        c.export_name
                    ),
                },
                doc: c.documentation.doc_comment.clone(),
            })
            .collect();
        CApi {
            functions,
            constants,
            opaque_types,
            typedefs,
        }
    }

    /// A named type with its typedef resolved (opaque types stay as they are).
    pub fn resolve<'a>(&'a self, ty: &'a CType) -> &'a CType {
        match ty {
            CType::Named(name) => self
                .typedefs
                .iter()
                .find(|(n, _)| n == name)
                .map_or(ty, |(_, aliased)| aliased),
            _ => ty,
        }
    }
}

fn c_type(ty: &Type) -> CType {
    match ty {
        Type::Ptr { ty, is_const, .. } => CType::Ptr {
            to: Box::new(c_type(ty)),
            is_const: *is_const,
        },
        Type::Path(path) => CType::Named(path.export_name().to_owned()),
        Type::Primitive(primitive) => match primitive {
            PrimitiveType::Void => CType::Void,
            PrimitiveType::Char => CType::Char,
            PrimitiveType::Integer {
                kind: IntKind::B8,
                signed: false,
                ..
            } => CType::U8,
            PrimitiveType::Integer {
                kind: IntKind::B16,
                signed: false,
                ..
            } => CType::U16,
            PrimitiveType::Integer {
                kind: IntKind::B32,
                signed: false,
                ..
            } => CType::U32,
            PrimitiveType::Integer {
                kind: IntKind::Int,
                signed: true,
                ..
            } => CType::Int,
            PrimitiveType::Integer {
                kind: IntKind::SizeT | IntKind::Size,
                signed: false,
                ..
            } => CType::SizeT,
            other => panic!("the C API uses {other:?}; teach codegen/c_api.rs its wrappers' types"),
        },
        other => panic!("the C API uses {other:?}; teach codegen/c_api.rs its wrappers' types"),
    }
}
