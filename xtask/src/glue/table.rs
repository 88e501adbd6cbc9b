//! Function-table slots that nothing can reach, emptied.
//!
//! wasm-bindgen learns the signature of each import and closure by running
//! describe functions inside the wasm, then deletes them. The closure shims
//! they named stay in the function table, and so in the wasm, though nothing
//! can reach them any more: about 2.5 KB of shims for js-sys callbacks
//! (typed arrays, sets) the widget never uses, 0.4 KB brotli.
//!
//! A slot is kept when its index appears anywhere it could come from: as an
//! `i32.const` in any section but the table's own and the data (code,
//! globals), or as a 32-bit little-endian word anywhere in the memory the
//! data segments set up (vtables and function pointers). Both are searched
//! as bytes, not by decoding instructions, so the search can only keep too
//! much. Every other slot is made null (`ref.null func`, the element
//! segment then written as expressions), so that if the search were ever
//! wrong, a call through an emptied slot traps ("uninitialized element")
//! instead of running some other function; wasm-opt, run again afterwards,
//! drops the functions that are then unreachable. A module whose table JS
//! can see (imported or exported), or whose table or data is set up in any
//! other form than the linker's, is left as it is.

use super::wasm::{Reader, push_leb};
use crate::run::Error;

/// The module with its unreachable table slots emptied, and how many were.
pub(crate) fn empty_unreachable_slots(wasm: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err("not a wasm module (version 1)".into());
    }
    let mut sections = Vec::new();
    let mut reader = Reader { bytes: wasm, at: 8 };
    while !reader.done() {
        let start = reader.at;
        let id = reader.byte()?;
        let size = reader.leb()?;
        let body_at = reader.at;
        reader.take(size)?;
        sections.push((id, start, body_at, reader.at));
    }
    let body = |&(_, _, from, to): &(u8, usize, usize, usize)| &wasm[from..to];
    let unchanged = || Ok((wasm.to_vec(), 0));

    let mut elements = None;
    let mut memory = Memory::default();
    let mut searched = Vec::new();
    for section in &sections {
        match section.0 {
            2 if imports_a_table(body(section))? => return unchanged(),
            7 if exports_table_zero(body(section))? => return unchanged(),
            9 => match Elements::parse(body(section))? {
                Some(parsed) => elements = Some((section, parsed)),
                None => return unchanged(),
            },
            11 => {
                if !memory.add_segments(body(section))? {
                    return unchanged();
                }
            }
            _ => searched.extend_from_slice(body(section)),
        }
    }
    let Some((section, mut elements)) = elements else {
        return unchanged();
    };
    let image = memory.image();
    let mut emptied = 0;
    for (slot, function) in elements.functions.iter_mut().enumerate() {
        let index = elements.base + slot as u32;
        let mut constant = vec![0x41];
        push_sleb(&mut constant, i64::from(index));
        let word = index.to_le_bytes();
        if !contains(&searched, &constant) && !contains(&image, &word) {
            *function = None;
            emptied += 1;
        }
    }
    let &(_, start, _, end) = section;
    let mut out = wasm[..start].to_vec();
    let body = elements.encode();
    out.push(9);
    push_leb(&mut out, body.len());
    out.extend_from_slice(&body);
    out.extend_from_slice(&wasm[end..]);
    Ok((out, emptied))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn push_sleb(out: &mut Vec<u8>, mut n: i64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        let done = (n == 0 && byte & 0x40 == 0) || (n == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A signed LEB128 `i32.const` initialiser ending in `end`, as an offset.
fn const_offset(r: &mut Reader<'_>) -> Result<Option<u32>, Error> {
    if r.byte()? != 0x41 {
        return Ok(None);
    }
    let (mut value, mut shift) = (0_i64, 0);
    loop {
        let byte = r.byte()?;
        value |= i64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if byte & 0x40 != 0 && shift < 64 {
                value -= 1 << shift;
            }
            break;
        }
        if shift > 35 {
            return Err("a wasm constant is too long".into());
        }
    }
    if r.byte()? != 0x0b {
        return Ok(None);
    }
    Ok(u32::try_from(value).ok())
}

fn imports_a_table(body: &[u8]) -> Result<bool, Error> {
    let mut r = Reader { bytes: body, at: 0 };
    let mut table = false;
    for _ in 0..r.leb()? {
        r.name()?;
        r.name()?;
        table |= r.bytes.get(r.at) == Some(&1);
        r.import_desc()?;
    }
    r.end()?;
    Ok(table)
}

fn exports_table_zero(body: &[u8]) -> Result<bool, Error> {
    let mut r = Reader { bytes: body, at: 0 };
    let mut exported = false;
    for _ in 0..r.leb()? {
        r.name()?;
        let kind = r.byte()?;
        let index = r.leb()?;
        exported |= kind == 1 && index == 0;
    }
    Ok(exported)
}

/// The one element segment the linker writes: active, table 0, at a
/// constant offset, a list of function indices (`None`: emptied, null).
#[derive(Debug)]
struct Elements {
    base: u32,
    functions: Vec<Option<usize>>,
}

impl Elements {
    fn parse(body: &[u8]) -> Result<Option<Self>, Error> {
        let mut r = Reader { bytes: body, at: 0 };
        if r.leb()? != 1 || r.leb()? != 0 {
            return Ok(None);
        }
        let Some(base) = const_offset(&mut r)? else {
            return Ok(None);
        };
        let count = r.leb()?;
        let functions = (0..count)
            .map(|_| r.leb().map(Some))
            .collect::<Result<Vec<_>, _>>()?;
        r.end()?;
        Ok((!functions.is_empty()).then_some(Self { base, functions }))
    }

    /// The segment: as the linker wrote it (flags 0, function indices)
    /// while every slot holds a function, else as expressions (flags 4),
    /// `ref.func` for a function and `ref.null func` for an emptied slot.
    fn encode(&self) -> Vec<u8> {
        let nulls = self.functions.iter().any(Option::is_none);
        let mut out = vec![1, if nulls { 4 } else { 0 }, 0x41];
        push_sleb(&mut out, i64::from(self.base));
        out.push(0x0b);
        push_leb(&mut out, self.functions.len());
        for function in &self.functions {
            match (nulls, function) {
                (false, Some(function)) => push_leb(&mut out, *function),
                (true, Some(function)) => {
                    out.push(0xd2);
                    push_leb(&mut out, *function);
                    out.push(0x0b);
                }
                (_, None) => out.extend([0xd0, 0x70, 0x0b]),
            }
        }
        out
    }
}

/// The memory the active data segments set up, as `(offset, bytes)`.
#[derive(Debug, Default)]
struct Memory<'a> {
    segments: Vec<(usize, &'a [u8])>,
}

impl<'a> Memory<'a> {
    /// Adds the data section's segments; `false` for any that is not active
    /// in memory 0 at a constant offset.
    fn add_segments(&mut self, body: &'a [u8]) -> Result<bool, Error> {
        let mut r = Reader { bytes: body, at: 0 };
        for _ in 0..r.leb()? {
            if r.leb()? != 0 {
                return Ok(false);
            }
            let Some(offset) = const_offset(&mut r)? else {
                return Ok(false);
            };
            let len = r.leb()?;
            self.segments.push((offset as usize, r.take(len)?));
        }
        r.end()?;
        Ok(true)
    }

    /// The memory from the first segment to the end of the last, with the
    /// zeros between segments (which wasm-opt leaves out of the data).
    fn image(&self) -> Vec<u8> {
        let start = self.segments.iter().map(|s| s.0).min().unwrap_or(0);
        let end = self
            .segments
            .iter()
            .map(|s| s.0 + s.1.len())
            .max()
            .unwrap_or(0);
        // Three zeros past the end: a word may end in zeros left out.
        let mut image = vec![0; end.saturating_sub(start) + 3];
        for &(offset, bytes) in &self.segments {
            image[offset - start..offset - start + bytes.len()].copy_from_slice(bytes);
        }
        image
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glue::wasm::push_name;

    fn section(id: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![id];
        push_leb(&mut out, body.len());
        out.extend_from_slice(body);
        out
    }

    /// A module whose table holds functions 10..=14 at indices 1..=5: index
    /// 2 is an `i32.const` in the code, 3 a word in the data, 5 a word whose
    /// high zeros lie past the last data segment; 4 is nowhere.
    fn module(exports: &[u8]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend(section(7, exports));
        let mut elements = vec![1, 0, 0x41, 1, 0x0b, 5];
        elements.extend([10, 11, 12, 13, 14]);
        wasm.extend(section(9, &elements));
        // One function body: i32.const 2, drop, end.
        wasm.extend(section(10, &[1, 5, 0, 0x41, 2, 0x1a, 0x0b]));
        let mut data = vec![2];
        data.extend([0, 0x41, 16, 0x0b, 4, 3, 0, 0, 0]);
        data.extend([0, 0x41, 30, 0x0b, 2, 9, 5]);
        wasm.extend(section(11, &data));
        wasm
    }

    /// The element segment's slots: `Some(function)` or `None` (null).
    fn table(wasm: &[u8]) -> Vec<Option<usize>> {
        let mut r = Reader { bytes: wasm, at: 8 };
        while r.byte().expect("a section") != 9 {
            let size = r.leb().expect("size");
            r.take(size).expect("body");
        }
        r.leb().expect("size");
        assert_eq!(r.leb().expect("count"), 1);
        let flags = r.byte().expect("flags");
        assert_eq!(const_offset(&mut r).expect("offset"), Some(1));
        let count = r.leb().expect("count");
        (0..count)
            .map(|_| match flags {
                0 => Some(r.leb().expect("index")),
                4 => match r.byte().expect("expression") {
                    0xd2 => {
                        let function = r.leb().expect("index");
                        assert_eq!(r.byte().expect("end"), 0x0b);
                        Some(function)
                    }
                    0xd0 => {
                        assert_eq!(r.take(2).expect("null"), [0x70, 0x0b]);
                        None
                    }
                    other => panic!("unexpected expression {other:#x}"),
                },
                other => panic!("unexpected flags {other}"),
            })
            .collect()
    }

    #[test]
    fn only_slots_named_nowhere_are_emptied() {
        let no_exports = [0];
        let (wasm, emptied) = empty_unreachable_slots(&module(&no_exports)).expect("parsed");
        // Slot 1 (function 10) and slot 4 (function 13) are named nowhere:
        // null now, so that a call through either traps.
        assert_eq!(emptied, 2);
        assert_eq!(table(&wasm), [None, Some(11), Some(12), None, Some(14)]);
        // Everything else is as it was.
        let original = module(&no_exports);
        assert_eq!(table(&original).iter().flatten().count(), 5);
        // The code and data sections after the elements: 28 bytes.
        let tail = |w: &[u8]| w[w.len() - 28..].to_vec();
        assert_eq!(tail(&wasm), tail(&original));
    }

    #[test]
    fn a_table_js_can_see_is_left_alone() {
        let mut exports = vec![1];
        push_name(&mut exports, "table");
        exports.extend([1, 0]);
        let original = module(&exports);
        let (wasm, emptied) = empty_unreachable_slots(&original).expect("parsed");
        assert_eq!((wasm, emptied), (original, 0));
    }

    #[test]
    fn other_forms_and_broken_modules() {
        // A passive element segment: left alone.
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend(section(9, &[1, 1, 0, 2, 10, 11]));
        let (out, emptied) = empty_unreachable_slots(&wasm).expect("parsed");
        assert_eq!((out, emptied), (wasm.clone(), 0));
        // No table at all: nothing to do.
        let bare = b"\0asm\x01\0\0\0".to_vec();
        assert_eq!(empty_unreachable_slots(&bare).expect("parsed").1, 0);
        // Cut short, or not wasm.
        let whole = module(&[0]);
        assert!(empty_unreachable_slots(&whole[..whole.len() - 3]).is_err());
        assert!(empty_unreachable_slots(b"\0asm\x02\0\0\0").is_err());
    }
}
