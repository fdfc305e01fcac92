//! Rasterized bands → PNG bytes, the bands filtered and deflated side by side.
//!
//! Why not `png::Writer::write_image_data`: profiled with callgrind on the 25-row table, a third
//! of all instructions were `memset` inside flate2's `run_vec`, which zero-fills its output
//! buffer's spare capacity on every call — once per scanline, over a buffer that keeps growing.
//! Here each band's scanlines are filtered (Up) and deflated in one call on its own thread, the
//! raw deflate streams are joined into one zlib stream (every part but the last ends on a
//! sync-flush byte boundary, as pigz does), and the png crate only writes the chunks.

use flate2::{Compress, Compression, FlushCompress, Status};
use tiny_skia::Pixmap;

/// PNG filter type 2: each byte minus the byte above it.
const FILTER_UP: u8 = 2;

/// One band's scanlines, filtered: `[2, row - row above]` per row; the row above the band's
/// first is the last row of the band before it (zeros at the top of the image).
fn filtered(band: &Pixmap, above: Option<&Pixmap>) -> Vec<u8> {
    let w = band.width() as usize;
    let rgb_row = |pm: &Pixmap, y: usize, out: &mut Vec<u8>| {
        out.clear();
        for px in &pm.pixels()[y * w..(y + 1) * w] {
            // The card covers every pixel: RGB is enough (a quarter less to compress).
            let c = px.demultiply();
            out.extend_from_slice(&[c.red(), c.green(), c.blue()]);
        }
    };
    let mut prev = Vec::with_capacity(w * 3);
    match above {
        Some(a) => rgb_row(a, a.height() as usize - 1, &mut prev),
        None => prev.resize(w * 3, 0),
    }
    let mut row = Vec::with_capacity(w * 3);
    let mut out = Vec::with_capacity((w * 3 + 1) * band.height() as usize);
    for y in 0..band.height() as usize {
        rgb_row(band, y, &mut row);
        out.push(FILTER_UP);
        out.extend(row.iter().zip(&prev).map(|(c, p)| c.wrapping_sub(*p)));
        std::mem::swap(&mut row, &mut prev);
    }
    out
}

/// Raw deflate of `data` at zlib level 1 — fast, and within the image size target
/// (docs/BENCHMARKS.md). `last` ends the stream; otherwise it ends on a sync flush so the next
/// part can follow it.
fn deflate(data: &[u8], last: bool) -> Result<Vec<u8>, String> {
    let mut c = Compress::new(Compression::new(1), false);
    // Deflate never grows data by more than ~0.1 % plus a few bytes per block.
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let flush = if last { FlushCompress::Finish } else { FlushCompress::Sync };
    loop {
        let consumed = c.total_in() as usize;
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(1024));
        }
        let before = (c.total_in(), c.total_out());
        let status = c.compress_vec(&data[consumed..], &mut out, flush).map_err(|e| e.to_string())?;
        if (c.total_in(), c.total_out()) == before && out.len() < out.capacity() {
            return Err("the PNG compressor stopped making progress".into());
        }
        match status {
            Status::StreamEnd => return Ok(out),
            // A sync flush is complete once all input is in and the output was not full.
            Status::Ok | Status::BufError
                if !last && c.total_in() as usize == data.len() && out.len() < out.capacity() =>
            {
                return Ok(out)
            }
            Status::Ok | Status::BufError => {}
        }
    }
}

/// zlib's `adler32_combine`: the Adler-32 of A‖B from those of A and B and B's length.
fn adler32_combine(a: u32, b: u32, len_b: usize) -> u32 {
    const BASE: u64 = 65_521;
    let rem = len_b as u64 % BASE;
    let (a1, a2) = (u64::from(a & 0xffff), u64::from(a >> 16));
    let (b1, b2) = (u64::from(b & 0xffff), u64::from(b >> 16));
    let sum1 = (a1 + b1 + BASE - 1) % BASE;
    let sum2 = (rem * a1 % BASE + a2 + b2 + BASE - rem) % BASE;
    (sum1 | (sum2 << 16)) as u32
}

/// The bands (top to bottom, equal widths) as one RGB PNG of `w` × `h`.
pub(super) fn png(bands: &[Pixmap], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let parts: Vec<Result<(Vec<u8>, u32, usize), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..bands.len())
            .map(|i| {
                s.spawn(move || {
                    let data = filtered(&bands[i], i.checked_sub(1).map(|j| &bands[j]));
                    let mut adler = simd_adler32::Adler32::new();
                    adler.write(&data);
                    Ok((deflate(&data, i + 1 == bands.len())?, adler.finish(), data.len()))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("an encoder thread failed".into()))).collect()
    });
    // zlib header: deflate with a 32 KiB window (0x78), fastest level, check bits (0x01).
    let mut zlib = vec![0x78, 0x01];
    let mut adler = 1u32;
    for part in parts {
        let (bytes, part_adler, len) = part?;
        zlib.extend_from_slice(&bytes);
        adler = adler32_combine(adler, part_adler, len);
    }
    zlib.extend_from_slice(&adler.to_be_bytes());

    let mut out = Vec::with_capacity(zlib.len() + 64);
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // The image data is written as a ready zlib stream, not through `write_image_data`.
    enc.validate_sequence(false);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_chunk(png::chunk::IDAT, &zlib).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adler(data: &[u8]) -> u32 {
        let mut a = simd_adler32::Adler32::new();
        a.write(data);
        a.finish()
    }

    #[test]
    fn adler_combine_matches_the_whole() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for cut in [0, 1, 5_552, 65_521, 100_000, 199_999, 200_000] {
            let (a, b) = data.split_at(cut);
            assert_eq!(adler32_combine(adler(a), adler(b), b.len()), adler(&data), "cut at {cut}");
        }
    }

    /// A band picture with a gradient and a diagonal, so every row differs from the one above.
    fn band(w: u32, h: u32, seed: u8) -> Pixmap {
        let mut pm = Pixmap::new(w, h).expect("size");
        for (i, px) in pm.pixels_mut().iter_mut().enumerate() {
            let (x, y) = (i as u32 % w, i as u32 / w);
            let v = ((x * 3 + y * 5) as u8).wrapping_add(seed);
            *px = tiny_skia::PremultipliedColorU8::from_rgba(v, if x == y { 255 } else { v / 2 }, 255 - v, 255)
                .expect("opaque");
        }
        pm
    }

    #[test]
    fn bands_decode_to_the_same_pixels() {
        for n in [1usize, 2, 3] {
            let bands: Vec<Pixmap> = (0..n).map(|i| band(37, 11 + i as u32, i as u8 * 40)).collect();
            let h: u32 = bands.iter().map(Pixmap::height).sum();
            let bytes = png(&bands, 37, h).expect("encodes");
            let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a valid PNG");
            let mut buf = vec![0; reader.output_buffer_size().expect("size")];
            reader.next_frame(&mut buf).expect("decodes");
            let want: Vec<u8> = bands
                .iter()
                .flat_map(|b| b.pixels().iter().flat_map(|p| [p.red(), p.green(), p.blue()]).collect::<Vec<_>>())
                .collect();
            assert_eq!(buf, want, "{n} bands");
        }
    }
}
