//! Function-table slots that nothing can reach, made null.
//!
//! wasm-bindgen learns the signature of each import and closure by running
//! describe functions inside the wasm, then deletes them. The closure shims
//! they named stay in the function table, and so in the wasm, though nothing
//! can reach them any more: about 2.5 KB of shims for js-sys callbacks
//! (typed arrays, sets) the widget never uses, 0.2 KB brotli.
//!
//! A slot is kept when its index is a value the module could call through
//! the table with: an `i32.const` in any function or global initialiser
//! (decoded by `wasmparser`), or a 32-bit little-endian word at any byte of
//! the memory the data segments set up (vtables and function pointers,
//! searched at every alignment, so the search can only keep too much). Every
//! other slot is made null (`ref.null func`, the segment written by
//! `wasm-encoder`), so that if the search were ever wrong, a call through an
//! emptied slot traps ("uninitialized element") instead of running some
//! other function; the result must validate, or the build fails. wasm-opt,
//! run again afterwards, drops the functions that are then unreachable. A
//! module that imports a table or exports the one the segment fills, or
//! whose table or data is set up in any other form than the linker's, is
//! left as it is.

use std::{borrow::Cow, collections::HashSet};

use wasm_encoder::{ConstExpr, ElementSection, Elements, HeapType, RawSection, RefType};
use wasmparser::{
    DataKind, ElementItems, ElementKind, ExternalKind, Operator, Parser, Payload, TypeRef,
};

use crate::run::Error;

/// The module with its unreachable table slots made null, and how many were.
pub(crate) fn empty_unreachable_slots(wasm: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    let unchanged = || Ok((wasm.to_vec(), 0));
    let broken = |e: wasmparser::BinaryReaderError| format!("not a valid wasm module: {e}");
    let mut sections = Vec::new();
    let mut segment = None;
    let mut constants = HashSet::new();
    let mut memory = Memory::default();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(broken)?;
        match &payload {
            Payload::ImportSection(imports) => {
                for import in imports.clone().into_imports() {
                    if matches!(import.map_err(broken)?.ty, TypeRef::Table(_)) {
                        return unchanged();
                    }
                }
            }
            Payload::ExportSection(exports) => {
                // Table 0 is the one the segment fills (wasm-bindgen may
                // export its table of JS values, another one).
                for export in exports.clone() {
                    let export = export.map_err(broken)?;
                    if export.kind == ExternalKind::Table && export.index == 0 {
                        return unchanged();
                    }
                }
            }
            Payload::ElementSection(elements) => {
                if segment.is_some() {
                    return unchanged();
                }
                match Segment::parse(elements.clone()).map_err(broken)? {
                    Some(parsed) => segment = Some(parsed),
                    None => return unchanged(),
                }
            }
            Payload::DataSection(data) => {
                for datum in data.clone() {
                    if !memory.add(datum.map_err(broken)?).map_err(broken)? {
                        return unchanged();
                    }
                }
            }
            Payload::GlobalSection(globals) => {
                for global in globals.clone() {
                    let reader = global.map_err(broken)?.init_expr.get_operators_reader();
                    collect_constants(reader, &mut constants).map_err(broken)?;
                }
            }
            Payload::CodeSectionEntry(body) => {
                let reader = body.get_operators_reader().map_err(broken)?;
                collect_constants(reader, &mut constants).map_err(broken)?;
            }
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            sections.push((id, range));
        }
    }
    let Some(mut segment) = segment else {
        return unchanged();
    };
    let words = memory.words();
    let mut emptied = 0;
    for (slot, function) in segment.functions.iter_mut().enumerate() {
        let index = segment.base.wrapping_add(slot as u32);
        if !constants.contains(&index) && !words.contains(&index) {
            *function = None;
            emptied += 1;
        }
    }
    if emptied == 0 {
        return unchanged();
    }
    let mut out = wasm_encoder::Module::new();
    for (id, range) in sections {
        if id == wasm_encoder::SectionId::Element as u8 {
            out.section(&segment.encode());
        } else {
            out.section(&RawSection {
                id,
                data: &wasm[range],
            });
        }
    }
    let out = out.finish();
    wasmparser::Validator::new()
        .validate_all(&out)
        .map_err(|e| format!("the module with emptied table slots does not validate: {e}"))?;
    Ok((out, emptied))
}

/// Every `i32.const` operand `reader` holds, into `constants`.
fn collect_constants(
    mut reader: wasmparser::OperatorsReader<'_>,
    constants: &mut HashSet<u32>,
) -> wasmparser::Result<()> {
    while !reader.eof() {
        if let Operator::I32Const { value } = reader.read()? {
            constants.insert(value as u32);
        }
    }
    Ok(())
}

/// A constant expression that is one `i32.const`, as an offset.
fn const_offset(expr: &wasmparser::ConstExpr<'_>) -> wasmparser::Result<Option<u32>> {
    let mut reader = expr.get_operators_reader();
    let Operator::I32Const { value } = reader.read()? else {
        return Ok(None);
    };
    let ends = matches!(reader.read()?, Operator::End) && reader.eof();
    Ok(ends.then(|| u32::try_from(value).ok()).flatten())
}

/// The one element segment the linker writes: active, table 0, at a
/// constant offset, a list of function indices (`None`: made null).
#[derive(Debug)]
struct Segment {
    base: u32,
    functions: Vec<Option<u32>>,
}

impl Segment {
    fn parse(elements: wasmparser::ElementSectionReader<'_>) -> wasmparser::Result<Option<Self>> {
        if elements.count() != 1 {
            return Ok(None);
        }
        let Some(element) = elements.into_iter().next().transpose()? else {
            return Ok(None);
        };
        let ElementKind::Active {
            table_index: None | Some(0),
            offset_expr,
        } = &element.kind
        else {
            return Ok(None);
        };
        let Some(base) = const_offset(offset_expr)? else {
            return Ok(None);
        };
        let ElementItems::Functions(functions) = element.items else {
            return Ok(None);
        };
        let functions = functions
            .into_iter()
            .map(|f| f.map(Some))
            .collect::<wasmparser::Result<Vec<_>>>()?;
        Ok((!functions.is_empty()).then_some(Self { base, functions }))
    }

    /// The segment as expressions: `ref.func` for a function, `ref.null
    /// func` for an emptied slot.
    fn encode(&self) -> ElementSection {
        let items: Vec<ConstExpr> = self
            .functions
            .iter()
            .map(|f| match f {
                Some(function) => ConstExpr::ref_func(*function),
                None => ConstExpr::ref_null(HeapType::FUNC),
            })
            .collect();
        let mut section = ElementSection::new();
        section.active(
            None,
            &ConstExpr::i32_const(self.base as i32),
            Elements::Expressions(RefType::FUNCREF, Cow::Owned(items)),
        );
        section
    }
}

/// The memory the active data segments set up, as `(offset, bytes)`.
#[derive(Debug, Default)]
struct Memory<'a> {
    segments: Vec<(usize, &'a [u8])>,
}

impl<'a> Memory<'a> {
    /// Adds a data segment; `false` for one that is not active in memory 0
    /// at a constant offset.
    fn add(&mut self, data: wasmparser::Data<'a>) -> wasmparser::Result<bool> {
        let DataKind::Active {
            memory_index: 0,
            offset_expr,
        } = &data.kind
        else {
            return Ok(false);
        };
        let Some(offset) = const_offset(offset_expr)? else {
            return Ok(false);
        };
        self.segments.push((offset as usize, data.data));
        Ok(true)
    }

    /// Every 32-bit little-endian word at any byte of the memory from the
    /// first segment to the end of the last, with the zeros between
    /// segments (which wasm-opt leaves out of the data) and three past the
    /// end (a word may end in zeros left out).
    fn words(&self) -> HashSet<u32> {
        let start = self.segments.iter().map(|s| s.0).min().unwrap_or(0);
        let end = self
            .segments
            .iter()
            .map(|s| s.0 + s.1.len())
            .max()
            .unwrap_or(0);
        let mut image = vec![0; end.saturating_sub(start) + 3];
        for &(offset, bytes) in &self.segments {
            image[offset - start..offset - start + bytes.len()].copy_from_slice(bytes);
        }
        image
            .windows(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        CodeSection, DataSection, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, Instruction, MemorySection, MemoryType, Module, TableSection, TableType,
        TypeSection,
    };

    use super::*;

    /// A module of five functions in table slots 1..=5: index 2 is an
    /// `i32.const` in the code, 3 a word in the data, 5 a word whose high
    /// zeros lie past the last data segment; 1 and 4 are nowhere. `table`
    /// says how JS may see the table.
    fn module(table: Seen, passive: bool) -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let table_type = TableType {
            element_type: RefType::FUNCREF,
            minimum: 6,
            maximum: Some(6),
            table64: false,
            shared: false,
        };
        if table == Seen::Imported {
            let mut imports = ImportSection::new();
            imports.import("env", "table", table_type);
            module.section(&imports);
        }
        let mut functions = FunctionSection::new();
        for _ in 0..5 {
            functions.function(0);
        }
        module.section(&functions);
        if table != Seen::Imported {
            let mut tables = TableSection::new();
            tables.table(table_type);
            if table == Seen::OtherExported {
                tables.table(TableType {
                    element_type: RefType::EXTERNREF,
                    ..table_type
                });
            }
            module.section(&tables);
        }
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        if let Some(index) = match table {
            Seen::Exported => Some(0),
            Seen::OtherExported => Some(1),
            _ => None,
        } {
            let mut exports = ExportSection::new();
            exports.export("table", ExportKind::Table, index);
            module.section(&exports);
        }
        let mut elements = ElementSection::new();
        let indices = Elements::Functions(Cow::Borrowed(&[0, 1, 2, 3, 4]));
        if passive {
            elements.passive(indices);
        } else {
            elements.active(None, &ConstExpr::i32_const(1), indices);
        }
        module.section(&elements);
        let mut code = CodeSection::new();
        for f in 0..5 {
            let mut body = Function::new([]);
            if f == 0 {
                body.instruction(&Instruction::I32Const(2));
                body.instruction(&Instruction::Drop);
            }
            body.instruction(&Instruction::End);
            code.function(&body);
        }
        module.section(&code);
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(16), [3, 0, 0, 0]);
        data.active(0, &ConstExpr::i32_const(30), [9, 5]);
        module.section(&data);
        module.finish()
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Seen {
        Not,
        /// The table the segment fills is exported.
        Exported,
        /// Another table (of JS values, as wasm-bindgen's) is exported.
        OtherExported,
        Imported,
    }

    /// The element segment's slots: `Some(function)` or `None` (null).
    fn slots(wasm: &[u8]) -> Vec<Option<u32>> {
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::ElementSection(elements) = payload.expect("parses") {
                let element = elements.into_iter().next().expect("one").expect("reads");
                return match element.items {
                    ElementItems::Functions(f) => {
                        f.into_iter().map(|f| Some(f.expect("index"))).collect()
                    }
                    ElementItems::Expressions(_, exprs) => exprs
                        .into_iter()
                        .map(|e| {
                            match e.expect("expr").get_operators_reader().read().expect("op") {
                                Operator::RefFunc { function_index } => Some(function_index),
                                Operator::RefNull { .. } => None,
                                other => panic!("unexpected {other:?}"),
                            }
                        })
                        .collect(),
                };
            }
        }
        panic!("no element section")
    }

    #[test]
    fn only_slots_named_nowhere_are_made_null_and_the_rest_is_kept() {
        let (_, emptied) =
            empty_unreachable_slots(&module(Seen::OtherExported, false)).expect("rewritten");
        assert_eq!(emptied, 2, "another table exported changes nothing");
        let original = module(Seen::Not, false);
        let (wasm, emptied) = empty_unreachable_slots(&original).expect("rewritten");
        assert_eq!(emptied, 2);
        assert_eq!(slots(&wasm), [None, Some(1), Some(2), None, Some(4)]);
        assert_eq!(slots(&original).len(), 5);
        // Every other section is as it was, byte for byte.
        let others = |w: &[u8]| -> Vec<(u8, Vec<u8>)> {
            Parser::new(0)
                .parse_all(w)
                .filter_map(|p| p.expect("parses").as_section())
                .filter(|(id, _)| *id != wasm_encoder::SectionId::Element as u8)
                .map(|(id, range)| (id, w[range].to_vec()))
                .collect()
        };
        assert_eq!(others(&wasm), others(&original));
        wasmparser::Validator::new()
            .validate_all(&wasm)
            .expect("the result validates");
    }

    #[test]
    fn a_table_js_can_see_or_a_segment_of_another_form_is_left_alone() {
        for original in [
            module(Seen::Exported, false),
            module(Seen::Imported, false),
            module(Seen::Not, true),
        ] {
            let (wasm, emptied) = empty_unreachable_slots(&original).expect("parsed");
            assert_eq!((wasm, emptied), (original, 0));
        }
    }

    #[test]
    fn broken_modules_are_refused_and_a_bare_one_is_kept() {
        let bare = Module::new().finish();
        assert_eq!(empty_unreachable_slots(&bare).expect("parsed").1, 0);
        let whole = module(Seen::Not, false);
        assert!(empty_unreachable_slots(&whole[..whole.len() - 3]).is_err());
        assert!(empty_unreachable_slots(b"\0asm\x02\0\0\0").is_err());
    }
}
