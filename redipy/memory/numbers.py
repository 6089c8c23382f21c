"""Integer and float parsing and formatting, byte for byte as Redis does it.

Three number dialects meet here:

- 64-bit integers (``string2ll``): no ``+``, no spaces, no leading zeros.
- doubles (``strtod`` plus Redis's checks) for scores, formatted the way Redis 7.2+
  and Valkey reply with them: integers up to 2**62 as integers, everything else through
  ``fpconv_dtoa`` (Grisu2 digits, which are *not* always Python's shortest ``repr``
  digits, then fpconv's own choice between plain and scientific notation).
- x87 80-bit ``long double`` (``strtold``) for INCRBYFLOAT and HINCRBYFLOAT: parsed,
  added and printed with ``%.17Lf`` exactly as glibc does, emulated with exact
  rational arithmetic so results match a server digit for digit.
"""

from __future__ import annotations

import re
import struct
from fractions import Fraction
from functools import lru_cache

from redipy.errors import ResponseError

NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
NAN_OR_INF = "ERR increment would produce NaN or Infinity"

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

_DEC = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_HEX = r"0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(rf"([+-]?)(?:({_DEC})|({_HEX})|(inf(?:inity)?))", re.IGNORECASE)
_MAX_LONG_DOUBLE_CHARS = 5 * 1024


# ---- integers ------------------------------------------------------------------------


def parse_int(text: str, error: str = NOT_INT) -> int | None:
    """Redis's string2ll: a 64-bit integer with no sign '+', spaces or leading zeros.

    Returns ``None`` when the text is not one (callers raise their own error text).
    """
    if text.isdecimal() and len(text) < 19 and text.isascii() and (
            text[0] != "0" or len(text) == 1):
        return int(text)  # the common case: a small non-negative number, always in range
    if 0 < len(text) <= 20:
        body = text[1:] if text[0] == "-" else text
        if body.isdigit() and body.isascii() and (body[0] != "0" or text == "0"):
            val = int(text)
            if INT64_MIN <= val <= INT64_MAX:
                return val
    return None


# ---- doubles -------------------------------------------------------------------------


def parse_double(text: str) -> float | None:
    """A double as Valkey 9 reads one (scores, weights, GEO coordinates): decimal or
    ``inf``/``infinity``, no hex (Valkey 8 and Redis 7.0 took strtod's hex floats), no
    spaces, NaN, overflow or underflow to zero. ``None`` when the text is not a double."""
    # fast path: plain ASCII decimals such as "12" or "-3.25" (what clients send most);
    # too short to overflow or underflow, so float() gives strtod's answer
    if len(text) < 30 and text.isascii():
        whole, dot, frac = (text[1:] if text[:1] == "-" else text).partition(".")
        if whole.isdigit() and (not dot or frac.isdigit()):
            return float(text)
    m = _NUMBER_RE.fullmatch(text)
    if m is None:
        return None
    sign, dec, hexa, _inf = m.groups()
    if hexa is not None:
        return None
    if dec is not None:
        value = float(text)
        if value in (_INF, -_INF) or (
                value == 0.0 and _has_nonzero_digit(re.split("[eE]", dec)[0])):
            return None  # ERANGE: overflow, or underflow to zero
        return value
    return -_INF if sign == "-" else _INF


def _has_nonzero_digit(mantissa: str) -> bool:
    return bool(mantissa.strip("0."))


_INF = float("inf")
_LL_HALF = float((INT64_MAX) // 2)  # (double)(LLONG_MAX/2) == 2**62


def format_double(value: float) -> str:
    """A double as Redis 7.2+ / Valkey reply with it (their ``d2string``)."""
    if -_LL_HALF <= value <= _LL_HALF:  # the common case first (never NaN or inf)
        as_int = int(value)
        if as_int == value:
            if as_int:
                return str(as_int)
            return "-0" if str(value)[0] == "-" else "0"
        return fpconv_dtoa(value)
    if value != value:
        return "nan"
    if value == _INF:
        return "inf"
    if value == -_INF:
        return "-inf"
    return fpconv_dtoa(value)


# fpconv_dtoa (Grisu2), as vendored by Redis/Valkey. Every 64-bit unsigned operation
# of the C code wraps, so results are masked where the C code could overflow.

_M64 = (1 << 64) - 1
_FRACMASK = 0x000FFFFFFFFFFFFF
_HIDDEN = 0x0010000000000000
_TENS = [10**i for i in range(19, -1, -1)]
_FIRSTPOWER = -348
_STEPPOWERS = 8


def _cached_powers() -> list[tuple[int, int]]:
    """The normalized 64-bit approximations of 10**k (k = -348, -340, ... 340).

    Each is 10**k rounded to the nearest 64-bit significand with its binary exponent,
    the table Grisu implementations ship as constants.
    """
    out = []
    for k in range(_FIRSTPOWER, 341, _STEPPOWERS):
        exact = Fraction(10) ** k
        exp = exact.numerator.bit_length() - exact.denominator.bit_length() - 64
        while True:
            scaled = exact / (Fraction(2) ** exp)
            if scaled >= (1 << 64):
                exp += 1
            elif scaled < (1 << 63):
                exp -= 1
            else:
                break
        frac = round(scaled)
        if frac == 1 << 64:
            frac >>= 1
            exp += 1
        out.append((frac, exp))
    return out


_POWERS = _cached_powers()


def _multiply(af: int, ae: int, bf: int, be: int) -> tuple[int, int]:
    lomask = 0xFFFFFFFF
    ah_bl = (af >> 32) * (bf & lomask)
    al_bh = (af & lomask) * (bf >> 32)
    al_bl = (af & lomask) * (bf & lomask)
    ah_bh = (af >> 32) * (bf >> 32)
    tmp = (ah_bl & lomask) + (al_bh & lomask) + (al_bl >> 32) + (1 << 31)
    return (ah_bh + (ah_bl >> 32) + (al_bh >> 32) + (tmp >> 32)) & _M64, ae + be + 64


def _round_digit(digits: list[int], delta: int, rem: int, kappa: int, frac: int) -> None:
    while (rem < frac and ((delta - rem) & _M64) >= kappa
           and (((rem + kappa) & _M64) < frac
                or ((frac - rem) & _M64) > ((rem + kappa - frac) & _M64))):
        digits[-1] -= 1
        rem = (rem + kappa) & _M64


def _grisu2(value: float) -> tuple[list[int], int]:
    """The digits of a positive finite double and the decimal exponent K."""
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    frac = bits & _FRACMASK
    exp = (bits >> 52) & 0x7FF
    if exp:
        frac += _HIDDEN
        exp -= 1075
    else:
        exp = -1074
    # boundaries
    uf, ue = (frac << 1) + 1, exp - 1
    while not uf & (_HIDDEN << 1):
        uf <<= 1
        ue -= 1
    uf <<= 10
    ue -= 10
    l_shift = 2 if frac == _HIDDEN else 1
    lf, le = (frac << l_shift) - 1, exp - l_shift
    lf = (lf << (le - ue)) & _M64
    # normalize w
    wf, we = frac, exp
    while not wf & _HIDDEN:
        wf <<= 1
        we -= 1
    wf <<= 11
    we -= 11
    # cached power
    approx = int(-(ue + 87) * 0.30102999566398114)
    idx = (approx - _FIRSTPOWER) // _STEPPOWERS  # non-negative: same as C's division
    while True:
        current = ue + _POWERS[idx][1] + 64
        if current < -60:
            idx += 1
        elif current > -32:
            idx -= 1
        else:
            break
    k = _FIRSTPOWER + idx * _STEPPOWERS
    cf, ce = _POWERS[idx]
    wf, we = _multiply(wf, we, cf, ce)
    lf, _ = _multiply(lf, ue, cf, ce)
    uf, ue = _multiply(uf, ue, cf, ce)
    lf = (lf + 1) & _M64
    uf = (uf - 1) & _M64
    big_k = -k
    # generate digits
    wfrac = (uf - wf) & _M64
    delta = (uf - lf) & _M64
    shift = -ue
    one = 1 << shift
    part1 = uf >> shift
    part2 = uf & (one - 1)
    digits: list[int] = []
    kappa = 10
    for div in _TENS[10:]:
        digit = part1 // div
        if digit or digits:
            digits.append(digit)
        part1 -= digit * div
        kappa -= 1
        tmp = ((part1 << shift) + part2) & _M64
        if tmp <= delta:
            big_k += kappa
            _round_digit(digits, delta, tmp, (div << shift) & _M64, wfrac)
            return digits, big_k
    unit = 18
    while True:
        part2 = (part2 * 10) & _M64
        delta = (delta * 10) & _M64
        kappa -= 1
        digit = part2 >> shift
        if digit or digits:
            digits.append(digit)
        part2 &= one - 1
        if part2 < delta:
            big_k += kappa
            _round_digit(digits, delta, part2, one, (wfrac * _TENS[unit]) & _M64)
            return digits, big_k
        unit -= 1


@lru_cache(maxsize=4096)  # Grisu2 in Python costs microseconds; scores repeat
def fpconv_dtoa(value: float) -> str:
    """fpconv's rendering of a finite non-zero double (Grisu2 digits, fpconv layout)."""
    neg = value < 0
    digit_list, k = _grisu2(-value if neg else value)
    digits = "".join(map(str, digit_list))
    ndigits = len(digits)
    sign = "-" if neg else ""
    exp = abs(k + ndigits - 1)
    if k >= 0 and exp < ndigits + 7:
        return f"{sign}{digits}{'0' * k}"
    if k < 0 and (k > -7 or exp < 4):
        offset = ndigits + k
        if offset <= 0:
            return f"{sign}0.{'0' * -offset}{digits}"
        return f"{sign}{digits[:offset]}.{digits[offset:]}"
    ndigits = min(ndigits, 18 - neg)
    mant = digits[0] + ("." + digits[1:ndigits] if ndigits > 1 else "")
    esign = "-" if k + ndigits - 1 < 0 else "+"
    return f"{sign}{mant}e{esign}{exp}"


# ---- long doubles (INCRBYFLOAT, HINCRBYFLOAT) ----------------------------------------
#
# A finite long double is held as an exact Fraction; infinities as float('inf').
# x87 extended precision: 64-bit significand, exponents down to 2**-16382 (normal)
# and 2**-16445 (subnormal), largest finite value (2**64 - 1) * 2**16320.

LongDouble = Fraction | float

_LD_MANT = 64
_LD_MIN_EXP = -16445  # weight of the lowest subnormal bit
_LD_MAX = Fraction((1 << 64) - 1) * (Fraction(2) ** 16320)


def _round_ld(x: Fraction) -> LongDouble:
    """Round an exact value to the nearest long double (ties to even); may overflow."""
    if x == 0:
        return Fraction(0)
    neg = x < 0
    mag = -x if neg else x
    num, den = mag.numerator, mag.denominator
    # exponent e such that 2**63 <= mag / 2**e < 2**64
    e = num.bit_length() - den.bit_length() - _LD_MANT
    if (num << max(-e, 0)) >= (den << max(e, 0)) << _LD_MANT:
        e += 1
    elif (num << max(-e, 0)) < (den << max(e, 0)) << (_LD_MANT - 1):
        e -= 1
    e = max(e, _LD_MIN_EXP)
    if e >= 0:
        q, r = divmod(num, den << e)
        twice_r, divisor = 2 * r, den << e
    else:
        q, r = divmod(num << -e, den)
        twice_r, divisor = 2 * r, den
    if twice_r > divisor or (twice_r == divisor and q & 1):
        q += 1
    result = Fraction(q) * (Fraction(2) ** e) if e >= 0 else Fraction(q, 1 << -e)
    if result > _LD_MAX:
        return -_INF if neg else _INF
    return -result if neg else result


def parse_long_double(text: str) -> LongDouble | None:
    """Redis's string2ld (strtold): the value, or ``None`` when it is not a valid float.

    Rejects spaces, NaN, overflow (ERANGE with HUGE_VAL) and underflow to zero, and
    texts of 5 KiB or more, as Redis does; hex floats and ``inf`` are accepted.
    """
    if not text or len(text) >= _MAX_LONG_DOUBLE_CHARS:
        return None
    m = _NUMBER_RE.fullmatch(text)
    if m is None:
        return None
    sign, dec, hexa, _inf = m.groups()
    neg = sign == "-"
    if dec is None and hexa is None:
        return -_INF if neg else _INF
    if dec is not None:
        mant, _, exp_text = dec.replace("E", "e").partition("e")
        int_part, _, frac_part = mant.partition(".")
        digits = (int_part + frac_part).lstrip("0")
        if not digits:
            return Fraction(0)
        exp10 = (int(exp_text) if exp_text else 0) - len(frac_part)
        magnitude = len(digits) + exp10  # value < 10**magnitude
        if magnitude > 4934:
            return None
        if magnitude < -4952:
            return None
        exact = Fraction(_digits_to_int(digits)) * (Fraction(10) ** exp10)
    else:
        body = hexa[2:].replace("P", "p")
        mant, _, exp_text = body.partition("p")
        int_part, _, frac_part = mant.partition(".")
        digits = (int_part + frac_part).lstrip("0")
        if not digits:
            return Fraction(0)
        exp2 = (int(exp_text) if exp_text else 0) - 4 * len(frac_part)
        magnitude = 4 * len(digits) + exp2
        if magnitude > 16390:
            return None
        if magnitude < -16460:
            return None
        exact = Fraction(_digits_to_int(digits, 16)) * (Fraction(2) ** exp2)
    value = _round_ld(-exact if neg else exact)
    if isinstance(value, float) or value == 0:
        return None  # ERANGE: overflow to HUGE_VAL or underflow to zero
    return value


def add_long_double(a: LongDouble, b: LongDouble) -> LongDouble:
    """``a + b`` in long double arithmetic (NaN comes back as float('nan'))."""
    if isinstance(a, float):
        return a + b if isinstance(b, float) else a
    if isinstance(b, float):
        return b
    return _round_ld(a + b)


_CHUNK = 4000  # below Python's default limit on int <-> str conversions


def _digits_to_int(text: str, base: int = 10) -> int:
    """``int(text, base)`` for texts longer than Python's conversion limit."""
    if len(text) <= _CHUNK:
        return int(text, base)
    head, tail = text[:-_CHUNK], text[-_CHUNK:]
    return _digits_to_int(head, base) * int(base**_CHUNK) + int(tail, base)


def _int_to_digits(value: int) -> str:
    """``str(value)`` for non-negative integers beyond Python's conversion limit."""
    if value < 10**_CHUNK:
        return str(value)
    head, tail = divmod(value, 10**_CHUNK)
    return _int_to_digits(head) + str(tail).rjust(_CHUNK, "0")


def format_long_double(value: LongDouble) -> str:
    """``ld2string(..., LD_STR_HUMAN)``: ``%.17Lf`` with trailing zeros (and a bare
    ``.``) stripped, and ``-0`` turned into ``0``."""
    if isinstance(value, float):
        if value != value:
            return "nan"
        return "inf" if value > 0 else "-inf"
    neg = value < 0
    mag = -value if neg else value
    scaled = mag * (10**17)
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q & 1):
        q += 1
    text = _int_to_digits(q).rjust(18, "0")
    int_part, frac_part = text[:-17], text[-17:].rstrip("0")
    out = f"{int_part}.{frac_part}" if frac_part else int_part
    if neg:
        out = "-" + out
    return "0" if out == "-0" else out


# ---- the fast path: plain decimals in integer arithmetic --------------------------------
#
# Most INCRBYFLOAT calls add a plain decimal ("0.25", "-3") to a plain decimal the last
# call wrote. For those the same long double steps (strtold of each operand, the sum,
# %.17Lf) are done here on (significand, exponent) integer pairs instead of Fractions:
# the same roundings (64-bit significand, ties to even), about ten times cheaper.

_PLAIN_RE = re.compile(r"(-?)([0-9]{1,20})(?:\.([0-9]{1,20}))?")
_TEN17 = 10**17


def _round64(mag: int, exp: int) -> tuple[int, int]:
    """``mag * 2**exp`` rounded to a 64-bit significand (ties to even)."""
    extra = mag.bit_length() - 64
    if extra <= 0:
        return mag, exp
    q, r = divmod(mag, 1 << extra)
    half = 1 << (extra - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return q, exp + extra


@lru_cache(maxsize=1024)
def _plain_ld(text: str) -> tuple[int, int] | None:
    """strtold of a plain decimal as (signed significand, binary exponent), or None."""
    m = _PLAIN_RE.fullmatch(text)
    if m is None:
        return None
    sign, whole, frac = m.groups()
    frac = frac or ""
    num = int(whole + frac)
    if num == 0:
        return 0, 0
    den = 10 ** len(frac)
    # e with 2**63 <= num / (den * 2**e) < 2**64, then round num / den to it
    e = num.bit_length() - den.bit_length() - 64
    if (num << max(-e, 0)) >= (den << max(e, 0)) << 64:
        e += 1
    elif (num << max(-e, 0)) < (den << max(e, 0)) << 63:
        e -= 1
    if e >= 0:
        q, r = divmod(num, den << e)
        twice, divisor = 2 * r, den << e
    else:
        q, r = divmod(num << -e, den)
        twice, divisor = 2 * r, den
    if twice > divisor or (twice == divisor and q & 1):
        q += 1
    return (-q if sign else q), e


def is_plain_decimal(text: str) -> bool:
    """Whether ``text`` takes :func:`plain_sum`'s fast path (and is a valid float)."""
    return _plain_ld(text) is not None


def plain_sum(current: str | None, incr: str) -> str | None:
    """INCRBYFLOAT's result text when both operands are plain decimals (``None``: a
    missing value, i.e. 0), else ``None`` for the exact general path."""
    b = _plain_ld(incr)
    if b is None:
        return None
    a = (0, 0) if current is None else _plain_ld(current)
    if a is None:
        return None
    (qa, ea), (qb, eb) = a, b
    exp = min(ea, eb)
    total = (qa << (ea - exp)) + (qb << (eb - exp))
    neg = total < 0
    mag, exp = _round64(-total if neg else total, exp)
    if mag == 0:
        return "0"
    if exp >= 0:
        digits = (mag * _TEN17) << exp
    else:
        digits, r = divmod(mag * _TEN17, 1 << -exp)
        twice = 2 * r
        if twice > (1 << -exp) or (twice == (1 << -exp) and digits & 1):
            digits += 1
    text = str(digits).rjust(18, "0")
    int_part, frac_part = text[:-17], text[-17:].rstrip("0")
    out = f"{int_part}.{frac_part}" if frac_part else int_part
    if neg and out != "0":
        out = "-" + out
    return out


def incr_by_float(current: str | None, incr: str, *, not_float: str = NOT_FLOAT) -> str:
    """INCRBYFLOAT's arithmetic: the new value's text, or Redis's error.

    ``current`` is the stored text (``None`` for a missing key, which counts as 0);
    ``not_float`` is the message when the stored value does not parse.
    """
    fast = plain_sum(current, incr)
    if fast is not None:
        return fast
    value = Fraction(0) if current is None else parse_long_double(current)
    if value is None:
        raise ResponseError(not_float)
    step = parse_long_double(incr)
    if step is None:
        raise ResponseError(NOT_FLOAT)
    total = add_long_double(value, step)
    if isinstance(total, float):
        raise ResponseError(NAN_OR_INF)
    return format_long_double(total)
