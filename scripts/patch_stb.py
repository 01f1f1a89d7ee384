#!/usr/bin/env python3
"""Copies the system's stb_image.h with fixes for decoder bugs that fuzzing found in it.

usage: patch_stb.py SYSTEM_STB_IMAGE_H OUTPUT_H

Debian 12 ships stb_image v2.27. Each fix below replaces one exact piece of its text; the
input that triggered the bug is in tests/fuzz/regressions/image/ and replayed by a test. If a
newer stb_image.h already has the fix, it is skipped; if the text to replace is missing, the
header changed in a way this script does not know, and the build stops so that a person looks.
"""
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Fix:
    name: str
    old: str
    new: str


FIXES = [
    # A DHT segment's 16 code-length counts may add up to 16 * 255, but a table holds at most
    # 256 symbols: the counts overflowed stbi__huffman.size[257] and .values[256] (found by
    # fuzz_image; regression jpeg-dht-more-than-256-codes). stb_image 2.28 has the same check.
    Fix("jpeg-dht-more-than-256-codes",
        old="""            for (i=0; i < 16; ++i) {
               sizes[i] = stbi__get8(z->s);
               n += sizes[i];
            }
            L -= 17;""",
        new="""            for (i=0; i < 16; ++i) {
               sizes[i] = stbi__get8(z->s);
               n += sizes[i];
            }
            if (n > 256) return stbi__err("bad DHT header","Corrupt JPEG");
            L -= 17;"""),
    # A zero-length IDAT chunk before any data passed a null pointer to memcpy (undefined
    # behaviour, found by fuzz_image; regression png-empty-first-idat). Empty chunks add nothing.
    Fix("png-empty-first-idat",
        old="""            if (!stbi__getn(s, z->idata+ioff,c.length)) return stbi__err("outofdata","Corrupt PNG");""",
        new="""            if (c.length && !stbi__getn(s, z->idata+ioff,c.length)) return stbi__err("outofdata","Corrupt PNG");"""),
    # When a marker cut the entropy-coded data short, the bit readers took bits they did not
    # have: code_bits went negative and the next refill shifted by 32 or more (undefined
    # behaviour, found by fuzz_image; regression jpeg-bits-past-marker). As in stb_image 2.28,
    # a reader that still lacks bits after refilling returns zeros.
    Fix("jpeg-bits-past-marker (extend_receive)",
        old="""   if (j->code_bits < n) stbi__grow_buffer_unsafe(j);

   sgn = j->code_buffer >> 31;""",
        new="""   if (j->code_bits < n) stbi__grow_buffer_unsafe(j);
   if (j->code_bits < n) return 0;

   sgn = j->code_buffer >> 31;"""),
    Fix("jpeg-bits-past-marker (get_bits)",
        old="""   if (j->code_bits < n) stbi__grow_buffer_unsafe(j);
   k = stbi_lrot(j->code_buffer, n);""",
        new="""   if (j->code_bits < n) stbi__grow_buffer_unsafe(j);
   if (j->code_bits < n) return 0;
   k = stbi_lrot(j->code_buffer, n);"""),
    Fix("jpeg-bits-past-marker (get_bit)",
        old="""   if (j->code_bits < 1) stbi__grow_buffer_unsafe(j);
   k = j->code_buffer;""",
        new="""   if (j->code_bits < 1) stbi__grow_buffer_unsafe(j);
   if (j->code_bits < 1) return 0;
   k = j->code_buffer;"""),
    # The fast AC path consumed a code's combined length without checking that many bits were
    # there, driving code_bits negative the same way (found by fuzz_image; regression
    # jpeg-fast-ac-past-marker). stb_image 2.28 has the same check.
    Fix("jpeg-fast-ac-past-marker (baseline)",
        old="""         s = r & 15; // combined length
         j->code_buffer <<= s;""",
        new="""         s = r & 15; // combined length
         if (s > j->code_bits) return stbi__err("bad huffman code", "Corrupt JPEG");
         j->code_buffer <<= s;"""),
    Fix("jpeg-fast-ac-past-marker (progressive)",
        old="""            s = r & 15; // combined length
            j->code_buffer <<= s;""",
        new="""            s = r & 15; // combined length
            if (s > j->code_bits) return stbi__err("bad huffman code", "Corrupt JPEG");
            j->code_buffer <<= s;"""),
    # A code not in the table gave a symbol id outside the table: an assertion in debug builds,
    # an out-of-bounds read of values[] otherwise (found by fuzz_image). As in stb_image 2.28.
    Fix("jpeg-symbol-id-out-of-table",
        old="""   c = ((j->code_buffer >> (32 - k)) & stbi__bmask[k]) + h->delta[k];
""",
        new="""   c = ((j->code_buffer >> (32 - k)) & stbi__bmask[k]) + h->delta[k];
   if (c < 0 || c >= 256) return -1;
"""),
    # The decoder state was not initialised: a scan that uses a Huffman or quantisation table no
    # DHT/DQT defined read whatever the heap held, so a corrupt file decoded differently from
    # run to run and could reach the bug above (found by fuzz_image as crashes that did not
    # reproduce alone). Zeroed state makes every decode deterministic.
    Fix("jpeg-uninitialised-tables",
        old="""   stbi__jpeg* j = (stbi__jpeg*) stbi__malloc(sizeof(stbi__jpeg));
   if (!j) return stbi__errpuc("outofmem", "Out of memory");
""",
        new="""   stbi__jpeg* j = (stbi__jpeg*) stbi__malloc(sizeof(stbi__jpeg));
   if (!j) return stbi__errpuc("outofmem", "Out of memory");
   memset(j, 0, sizeof(stbi__jpeg));
"""),

    # An IDAT chunk's length was trusted before its bytes were read: a 181-byte PNG declaring a
    # 1 GiB chunk made the decoder grow its buffer to 2 GiB first (found by fuzz_image as an
    # out-of-memory; regression png-idat-longer-than-file). From memory the bytes left are known.
    Fix("png-idat-longer-than-file",
        old="""            if ((int)(ioff + c.length) < (int)ioff) return 0;
""",
        new="""            if ((int)(ioff + c.length) < (int)ioff) return 0;
            if (s->io.read == NULL && c.length > (stbi__uint32)(s->img_buffer_end - s->img_buffer))
               return stbi__err("IDAT past end", "Corrupt PNG");
"""),
]


def patch(text: str) -> tuple[str, int]:
    """The patched text and how many fixes it needed."""
    applied = 0
    for fix in FIXES:
        if text.count(fix.new) == 1:
            continue  # this stb_image.h already has the fix
        if text.count(fix.old) != 1:
            raise SystemExit(f"patch_stb.py: fix '{fix.name}' does not apply: stb_image.h has changed; "
                             f"check whether the bug is still there and update scripts/patch_stb.py")
        text = text.replace(fix.old, fix.new)
        applied += 1
    return text, applied


def main() -> None:
    source, output = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        text = f.read()
    patched, applied = patch(text)
    banner = f"/* Generated by scripts/patch_stb.py from {source}: {applied} of {len(FIXES)} fixes applied. */\n"
    with open(output, "w", encoding="utf-8") as f:
        f.write(banner + patched)


if __name__ == "__main__":
    main()
