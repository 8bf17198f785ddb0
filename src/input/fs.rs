//! Reading files that must be regular files: a FIFO, socket or device named like a
//! source, a manifest or a settings file is refused instead of blocking the run.

use std::path::Path;

/// `read_regular_file` as text: a FIFO, socket or device named like a manifest or a
/// configuration file is refused instead of blocking the run.
pub fn read_regular_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_regular_file(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Read a file that must be a regular file. A FIFO or device could block or never
/// end: it is refused before it is opened and, as it may have been swapped in since
/// it was discovered, again after.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    read_regular_file_into(path, &mut bytes)?;
    Ok(bytes)
}

/// `read_regular_file` into a buffer (cleared first), so that a thread reading many
/// files reuses one allocation.
pub fn read_regular_file_into(path: &Path, bytes: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    let not_regular = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device is never read)",
        )
    };
    bytes.clear();
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    // Sized once: growing the buffer by doubling copied every file several times.
    let size = usize::try_from(metadata.len()).unwrap_or(0);
    bytes.reserve(size.saturating_add(1));
    file.read_to_end(bytes)?;
    Ok(())
}
