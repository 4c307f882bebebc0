"""Currencies: the ISO 4217 codes a cost may be entered in, and money as people read it ("1,500.00 USD").

The codes are ISO 4217's list of currencies and funds (as of 2025), with the codes withdrawn since 2020 kept so
that a cost of an earlier period can still be entered; precious metals, testing and "no currency" codes (XAU,
XTS, XXX...) are not money a recruiting team spends. The number beside a code is its minor units (decimals).
"""
from __future__ import annotations

# Costs entered without a currency are in this one (as they always were); the overview and goals report in it
# when no cost says otherwise.
DEFAULT_CURRENCY = "USD"

_MINOR_UNITS = {
    # 0 decimals
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    # 3 decimals
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    # 4 decimals
    **dict.fromkeys("CLF UYW".split(), 4),
    # 2 decimals: the rest
    **dict.fromkeys((
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD "
        "CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP "
        "GMD GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD "
        "MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR "
        "PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP "
        "TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL").split(), 2),
}
CURRENCIES = frozenset(_MINOR_UNITS)
CURRENCY_PROBLEM = "an ISO 4217 currency code such as EUR or USD"


def currency_code(value: object) -> str | None:
    """The ISO 4217 code for "eur", " EUR "; None for anything else."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if code in CURRENCIES else None


def format_money(amount: float | int | None, currency: str | None) -> str:
    """An amount with its currency, grouped and to the currency's decimals: "1,500.00 USD", "12,000 JPY";
    "n/a" for no amount. Never a bare number: an amount read without its currency is misread."""
    if amount is None:
        return "n/a"
    code = currency or DEFAULT_CURRENCY
    return f"{amount:,.{_MINOR_UNITS.get(code, 2)}f} {code}"
