"""The drawn notes show every letter they are scored on (testkit.drawing, bench.common)."""

from PIL import ImageOps

from bench.common import DRAWN_STYLES
from bench.held_out import LINES
from testkit.drawing import draw_lines, lacks, runs


def test_every_drawn_language_is_drawn_in_faces_that_have_all_its_letters() -> None:
    for language, face, lines in DRAWN_STYLES:
        assert lacks(face, "".join(lines)) == "", (language, face)
        assert lacks(face, "".join(LINES[language])) == "", (language, face, "held out")


def test_the_letters_a_face_lacks_are_found() -> None:
    # Comic Neue has no ọ or ờ: Pillow draws its empty box where they are written.
    assert lacks("comic", "Gọi cho nha sĩ lúc ba giờ") == "ọờ"
    assert lacks("andika", "Gọi cho nha sĩ lúc ba giờ") == ""


def test_a_letter_the_face_lacks_is_drawn_from_a_face_that_has_it() -> None:
    assert runs("Gọi cho", "comic") == [("comic", "G"), ("andika", "ọ"), ("comic", "i cho")]
    # The dot under the o is ink below the line, where the face's box leaves none.
    plain, dotted, boxed = (ink_bottom(t) for t in ("Goi", "Gọi", "G\uffffi"))
    assert boxed <= plain + 1 < dotted


def ink_bottom(text: str, face: str = "comic") -> int:
    img = draw_lines([text], font_name=face, size=40)
    box = ImageOps.invert(img.convert("L")).getbbox()
    assert box is not None
    return box[3]


def test_the_vietnamese_hands_draw_every_letter_from_their_own_subsets() -> None:
    # Pangolin and Patrick Hand come as Latin, Latin Extended and Vietnamese subsets
    # (scripts/fetch_fonts.py); HarfBuzz would build "ọ" from the Latin subset's "o" and a
    # dot below it lacks, and draw a bare "o".
    text = "".join(LINES["vi"])
    for face in ("pangolin", "patrick"):
        assert {name for name, _ in runs(text, face)} <= {face, f"{face}-ext", f"{face}-vi"}
        assert runs("Họp", face) == [(face, "H"), (f"{face}-vi", "ọ"), (face, "p")]
        plain, dotted = (ink_bottom(t, face) for t in ("Ho", "Họ"))
        assert plain + 1 < dotted
