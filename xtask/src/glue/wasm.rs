//! wasm's binary encoding, as far as renaming imports and exports needs it:
//! sections, LEB128 numbers, names, and the length of an import's
//! description. Anything else is refused, not guessed.

use crate::run::Error;

/// Reads a wasm module's bytes.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(super) fn end(&self) -> Result<(), Error> {
        if self.done() {
            Ok(())
        } else {
            Err("a wasm section is longer than its entries".into())
        }
    }

    pub(super) fn byte(&mut self) -> Result<u8, Error> {
        let byte = *self.bytes.get(self.at).ok_or("the wasm ends early")?;
        self.at += 1;
        Ok(byte)
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or("the wasm ends early")?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    pub(super) fn leb(&mut self) -> Result<usize, Error> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return usize::try_from(value).map_err(|_| "a wasm number is too large".into());
            }
        }
        Err("a wasm number is too long".into())
    }

    pub(super) fn name(&mut self) -> Result<&'a str, Error> {
        let len = self.leb()?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "a wasm name is not UTF-8".into())
    }

    /// Skips an import's description: a function, table, memory, global or tag.
    pub(super) fn import_desc(&mut self) -> Result<(), Error> {
        match self.byte()? {
            0 => self.leb().map(drop),
            1 => {
                self.ref_type()?;
                self.limits()
            }
            2 => self.limits(),
            3 => {
                self.value_type()?;
                self.byte().map(drop)
            }
            4 => {
                self.byte()?;
                self.leb().map(drop)
            }
            kind => Err(format!("unknown wasm import kind {kind}")),
        }
    }

    fn limits(&mut self) -> Result<(), Error> {
        let flags = self.leb()?;
        self.leb()?;
        if flags & 1 == 1 {
            self.leb()?;
        }
        Ok(())
    }

    fn ref_type(&mut self) -> Result<(), Error> {
        match self.byte()? {
            // (ref ht) and (ref null ht): a heap type follows, as a signed LEB.
            0x63 | 0x64 => self.leb().map(drop),
            0x69..=0x74 => Ok(()),
            other => Err(format!("unknown wasm reference type {other:#x}")),
        }
    }

    fn value_type(&mut self) -> Result<(), Error> {
        match self.bytes.get(self.at) {
            Some(0x7b..=0x7f) => self.byte().map(drop),
            _ => self.ref_type(),
        }
    }
}

pub(super) fn push_leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(super) fn push_name(out: &mut Vec<u8>, name: &str) {
    push_leb(out, name.len());
    out.extend_from_slice(name.as_bytes());
}
