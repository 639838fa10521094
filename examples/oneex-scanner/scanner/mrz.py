"""ICAO 9303 machine readable zones: TD1 (identity cards, 3 x 30) and TD3 (passports, 2 x 44).

Each protected field is followed by a check digit: character values (digits their own, A to Z 10 to
35, the filler < zero) weighted 7, 3, 1 in turn, summed modulo 10 (9303 part 3, 4.9).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

MRZ_CHARACTERS = re.compile(r"^[A-Z0-9<]+$")
WEIGHTS = (7, 3, 1)


class MrzError(ValueError):
    """The text is not a machine readable zone of a known format."""


def character_value(character: str) -> int:
    if character == "<":
        return 0
    if character.isdigit() and character.isascii():
        return int(character)
    if "A" <= character <= "Z":
        return ord(character) - ord("A") + 10
    raise MrzError(f"{character!r} is not an MRZ character")


def check_digit(data: str) -> int:
    return sum(character_value(c) * WEIGHTS[i % 3] for i, c in enumerate(data)) % 10


@dataclass(frozen=True)
class Check:
    field: str
    expected: int
    found: str
    valid: bool


@dataclass(frozen=True)
class Document:
    format: str
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str
    sex: str
    expiry_date: str
    checks: list[Check] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(check.valid for check in self.checks)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "valid": self.valid}


def _check(name: str, data: str, digit: str, optional: bool = False) -> Check:
    expected = check_digit(data)
    # An empty optional field may carry < as its check digit (9303 part 4, 4.2.2.2).
    valid = digit == str(expected) or (optional and digit == "<" and expected == 0)
    return Check(name, expected, digit, valid)


def _names(text: str) -> tuple[str, str]:
    surname, _, given = text.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _clean(text: str) -> str:
    return text.replace("<", "")


def _td3(first: str, second: str) -> Document:
    surname, given = _names(first[5:])
    checks = [
        _check("document_number", second[0:9], second[9]),
        _check("birth_date", second[13:19], second[19]),
        _check("expiry_date", second[21:27], second[27]),
        _check("personal_number", second[28:42], second[42], optional=True),
        _check("composite", second[0:10] + second[13:20] + second[21:43], second[43]),
    ]
    return Document(
        "TD3",
        _clean(first[0:2]),
        _clean(first[2:5]),
        surname,
        given,
        _clean(second[0:9]),
        _clean(second[10:13]),
        second[13:19],
        second[20],
        second[21:27],
        checks,
    )


def _td1(first: str, second: str, third: str) -> Document:
    surname, given = _names(third)
    checks = [
        _check("document_number", first[5:14], first[14]),
        _check("birth_date", second[0:6], second[6]),
        _check("expiry_date", second[8:14], second[14]),
        _check("composite", first[5:30] + second[0:7] + second[8:15] + second[18:29], second[29]),
    ]
    return Document(
        "TD1",
        _clean(first[0:2]),
        _clean(first[2:5]),
        surname,
        given,
        _clean(first[5:14]),
        _clean(second[15:18]),
        second[0:6],
        second[7],
        second[8:14],
        checks,
    )


FORMATS = {(2, 44): _td3, (3, 30): _td1}


def parse(text: str) -> Document:
    """Parses the MRZ in `text` (one line per MRZ line; blank lines and spaces are ignored)."""
    lines = [re.sub(r"\s+", "", line).upper() for line in text.splitlines()]
    lines = [line for line in lines if line]
    shape = (len(lines), len(lines[0]) if lines else 0)
    reader = FORMATS.get(shape)
    if reader is None or any(len(line) != shape[1] for line in lines):
        lengths = ", ".join(str(len(line)) for line in lines) or "none"
        raise MrzError(f"expected 2 lines of 44 (TD3) or 3 lines of 30 (TD1), got lengths {lengths}")
    for number, line in enumerate(lines, start=1):
        if not MRZ_CHARACTERS.match(line):
            raise MrzError(f"line {number} holds characters other than A-Z, 0-9 and <")
    return reader(*lines)
