"""The Jinja2 sandbox templates run in, with every render bounded.

A template is a recruiter's code, run for every recipient on the send worker: the sandbox keeps it
from reaching Python, and these limits keep it from taking the worker's time or memory. Every
operation that can make something big is checked BEFORE it runs (one allocation can take seconds
or the whole memory: a deadline cannot interrupt it), and every value a template makes is checked
after. The limits, for each email rendered:

- time: MAX_SECONDS of the rendering thread's CPU for the whole email (CPU, not wall-clock time:
  a busy machine does not make a template fail), checked as the template loops, calls or filters;
- per part: loop iterations MAX_ITERATIONS (a `range` is at most that long too), calls MAX_CALLS,
  nested calls (recursive macros) MAX_NESTING;
- values: any text, list or number a template makes is at most MAX_VALUE characters (lists: their
  contents) and MAX_NUMBER; widths and counts given to center, indent, ljust, batch, format
  specifications and the like at most MAX_WIDTH;
- output: what a part renders is counted as it streams out (render limits it per part); what a
  macro, {% set %} or {% filter %} block collects is a value.

A limit raises RenderLimit; the rendering code turns it into a 400 naming the part and the line.
The checks run inside the render itself (no timer thread, no signal), so they hold on whichever
thread renders (the send worker renders on several at once).
"""
from __future__ import annotations

import functools
import re
import threading
import time
from functools import lru_cache

MAX_SECONDS = 0.5
_clock = time.thread_time  # CPU seconds of this thread
MAX_ITERATIONS = 10_000
MAX_CALLS = 50_000
MAX_NESTING = 30
MAX_VALUE = 200_000
MAX_NUMBER = 10**18
MAX_WIDTH = 1_000
LOOP_FILTER = "crm:loop"  # not a name a template can write: only our own AST rewrite uses it


class RenderLimit(Exception):
    """A template went over a render limit. `line` is set when known without a traceback."""

    def __init__(self, problem: str, line: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


class Budget:
    """What one email's render has spent so far."""

    __slots__ = ("calls", "deadline", "depth", "iterations")

    def __init__(self, seconds: float = MAX_SECONDS):
        self.deadline = _clock() + seconds
        self.iterations = 0
        self.calls = 0
        self.depth = 0


_local = threading.local()


def begin(seconds: float = MAX_SECONDS) -> Budget:
    """Starts an email's budget on this thread (render is synchronous: no other render runs here meanwhile)."""
    _local.budget = Budget(seconds)
    return _local.budget


def next_part() -> None:
    """Counts start again for the next part (the text part made from the HTML repeats its loops);
    the deadline stays the email's."""
    budget = _budget()
    budget.iterations = budget.calls = 0


def end() -> None:
    _local.budget = None


def _budget() -> Budget:
    # Outside begin()/end() (a benchmark calling Template.render, compile-time constant folding), each
    # operation gets a fresh budget: the per-value checks still hold, the counts do not add up.
    return getattr(_local, "budget", None) or Budget()


def _spend_call(budget: Budget) -> None:
    budget.calls += 1
    if budget.calls > MAX_CALLS:
        raise RenderLimit(f"more than {MAX_CALLS} calls and filters in one email")
    if not budget.calls & 15 and _clock() > budget.deadline:  # each call is bounded: a look every 16 will do
        raise RenderLimit(f"rendering took more than {MAX_SECONDS} seconds")


# ---------------------------------------------------------------- sizes

def weight(value, limit: int = MAX_VALUE) -> int:
    """About how many characters `value` makes as text; counting stops once past `limit` (so the
    work is bounded too)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            total += 1 + len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 1 + len(item)
            if total <= limit:
                stack.extend(item)
        else:
            total += 8
        if total > limit:
            return total
    return total


def checked(value):
    """`value` if it is within the limits for a value a template makes; RenderLimit if not."""
    if isinstance(value, str):
        if len(value) > MAX_VALUE:
            raise RenderLimit(f"a text of {len(value)} characters (at most {MAX_VALUE})")
    elif isinstance(value, int):
        if not -MAX_NUMBER <= value <= MAX_NUMBER:
            raise RenderLimit("a number over 10^18")
    elif isinstance(value, (list, tuple, dict, set, frozenset)) and weight(value) > MAX_VALUE:
        raise RenderLimit(f"a list of more than {MAX_VALUE} characters")
    return value


def _size_at_most(size: int, what: str) -> None:
    if size > MAX_VALUE:
        raise RenderLimit(f"{what} would make a text of {size} characters (at most {MAX_VALUE})")


def _width(value, what: str, most: int = MAX_WIDTH) -> None:
    if isinstance(value, int) and value > most:
        raise RenderLimit(f"{what} {value} is over {most}")


_PERCENT_SPEC = re.compile(r"%[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


def check_format(fmt: str, style: str) -> None:
    """Widths and precisions in a format string ("%9999999d", "{:>9999999}") are allocations."""
    if style == "%":
        for width, precision in _PERCENT_SPEC.findall(fmt):
            for given in (width, precision):
                if given == "*":
                    raise RenderLimit("a width given as * in a format")
                if given and (len(given) > 6 or int(given) > MAX_WIDTH):
                    raise RenderLimit(f"a format width over {MAX_WIDTH}")
        return
    import string

    for _, _, spec, _ in string.Formatter().parse(fmt):
        if spec and "{" in spec:
            raise RenderLimit("a format width given by another field")
        for number in _NUMBER.findall(spec or ""):
            if len(number) > 6 or int(number) > MAX_WIDTH:
                raise RenderLimit(f"a format width over {MAX_WIDTH}")


# ---------------------------------------------------------------- operators

def binop(operator: str, left, right):
    """+, *, ** and % (the operators that can make something big), checked before they run."""
    if operator == "*":
        if isinstance(right, int) and isinstance(left, (str, list, tuple)):
            _size_at_most(weight(left) * max(right, 0), "*")
        elif isinstance(left, int) and isinstance(right, (str, list, tuple)):
            _size_at_most(weight(right) * max(left, 0), "*")
        return checked(left * right)
    if operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1 \
                and right * (abs(left).bit_length() - 1) > 62:
            raise RenderLimit("a number over 10^18 (**)")
        try:
            return checked(left ** right)
        except OverflowError:
            raise RenderLimit("a number too large (**)") from None
    if operator == "+":
        if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _size_at_most(weight(left) + weight(right), "+")
        return checked(left + right)
    if operator == "%" and isinstance(left, str):
        check_format(left, "%")
    return checked(left % right)


def concat(value: str) -> str:
    """The result of ~ (each part is a checked value: the result is at most a few of them)."""
    return checked(value)


class Buffer(list):
    """What a macro, {% set %} block, {% filter %} block or {% call %} collects before joining it
    (the template's own output streams out and is counted by render)."""

    __slots__ = ("size",)

    def __init__(self):
        super().__init__()
        self.size = 0

    def append(self, item) -> None:
        self.size += len(item)
        if self.size > MAX_VALUE:
            raise RenderLimit(f"a block or macro output of more than {MAX_VALUE} characters")
        list.append(self, item)

    def extend(self, items) -> None:
        items = tuple(items)
        self.size += sum(map(len, items))
        if self.size > MAX_VALUE:
            raise RenderLimit(f"a block or macro output of more than {MAX_VALUE} characters")
        list.extend(self, items)


def counted(iterable):
    """A loop's items, counted against the email's budget (and its deadline)."""
    budget = _budget()
    for item in iterable:
        budget.iterations += 1
        if budget.iterations > MAX_ITERATIONS:
            raise RenderLimit(f"more than {MAX_ITERATIONS} loop iterations in one email")
        if not budget.iterations & 15 and _clock() > budget.deadline:
            raise RenderLimit(f"rendering took more than {MAX_SECONDS} seconds")
        yield item


def bounded_range(*args):
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = MAX_ITERATIONS + 1
    if size > MAX_ITERATIONS:
        raise RenderLimit(f"a range of more than {MAX_ITERATIONS} numbers")
    return numbers


# ---------------------------------------------------------------- calls and filters

def _arg(args: tuple, kwargs: dict, index: int, name: str, default=None):
    if len(args) > index:
        return args[index]
    return kwargs.get(name, default)


def _text_len(value) -> int:
    return weight(value) if not isinstance(value, str) else len(value)


def _check_str_method(owner: str, name: str, args: tuple, kwargs: dict) -> tuple:
    """String methods that allocate by their arguments; returns the arguments to call with."""
    if name in ("center", "ljust", "rjust", "zfill"):
        _width(_arg(args, kwargs, 0, "width"), f"{name} width")
    elif name == "expandtabs":
        tabsize = _arg(args, kwargs, 0, "tabsize", 8)
        _width(tabsize, "expandtabs size")
        if isinstance(tabsize, int):
            _size_at_most(len(owner) + owner.count("\t") * tabsize, "expandtabs")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = args[2] if len(args) > 2 and isinstance(args[2], int) else -1
        _size_at_most(_replaced_size(owner, args[0], args[1], count), "replace")
    elif name == "join" and args:
        items = list(args[0])  # a generator is consumed once: the call gets the list
        _size_at_most(sum(_text_len(i) for i in items) + len(owner) * max(len(items) - 1, 0), "join")
        return (items,) + args[1:]
    elif name == "translate" and args and isinstance(args[0], dict):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        _size_at_most(len(owner) * longest, "translate")
    elif name in ("format", "format_map"):
        check_format(owner, "{")
    return args


def _replaced_size(text: str, old: str, new: str, count: int) -> int:
    found = len(text) + 1 if not old else text.count(old)
    if count is not None and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _filter_checks() -> dict:
    """Filters that allocate by a number argument (or join or repeat what they get), checked first.
    Each takes the filter's arguments after the value-passing ones and returns them."""

    def center(args, kwargs):
        _width(_arg(args, kwargs, 1, "width", 80), "center width")
        return args, kwargs

    def indent(args, kwargs):
        width = _arg(args, kwargs, 1, "width", 4)
        size = len(width) if isinstance(width, str) else width
        _width(size, "indent width")
        text = str(args[0]) if args else ""
        if isinstance(size, int):
            _size_at_most(len(text) + (text.count("\n") + 1) * size, "indent")
        return args, kwargs

    def wordwrap(args, kwargs):
        text = str(args[0]) if args else ""
        width = _arg(args, kwargs, 1, "width", 79)
        wrap = _arg(args, kwargs, 3, "wrapstring") or "\n"
        if isinstance(width, int) and width > 0 and isinstance(wrap, str):
            _size_at_most(len(text) + (len(text) // width + 1) * len(wrap), "wordwrap")
        return args, kwargs

    def truncate(args, kwargs):
        _width(_arg(args, kwargs, 1, "length", 255), "truncate length", MAX_VALUE)
        _width(_arg(args, kwargs, 4, "leeway"), "truncate leeway", MAX_VALUE)
        return args, kwargs

    def format_(args, kwargs):
        if args and isinstance(args[0], str):
            check_format(args[0], "%")
        return args, kwargs

    def replace(args, kwargs):
        text, old, new = (_arg(args, kwargs, i, n) for i, n in ((0, "s"), (1, "old"), (2, "new")))
        count = _arg(args, kwargs, 3, "count")
        if all(isinstance(v, str) for v in (text, old, new)):
            _size_at_most(_replaced_size(text, old, new, count if isinstance(count, int) else -1), "replace")
        return args, kwargs

    def join(args, kwargs):
        if not args:
            return args, kwargs
        items = list(args[0])  # a generator is consumed once: the filter gets the list
        separator = _arg(args, kwargs, 1, "d", "")
        if kwargs.get("attribute") is None and len(args) < 3:
            size = sum(_text_len(i) for i in items) + _text_len(separator) * max(len(items) - 1, 0)
            _size_at_most(size, "join")
        return (items,) + tuple(args[1:]), kwargs

    def batch(args, kwargs):
        _width(_arg(args, kwargs, 1, "linecount"), "batch size")
        return args, kwargs

    def slice_(args, kwargs):
        _width(_arg(args, kwargs, 1, "slices"), "slice count")
        return args, kwargs

    def tojson(args, kwargs):
        _width(_arg(args, kwargs, 1, "indent"), "tojson indent", 16)
        return args, kwargs

    return {"center": center, "indent": indent, "wordwrap": wordwrap, "truncate": truncate, "format": format_,
            "replace": replace, "join": join, "batch": batch, "slice": slice_, "tojson": tojson}


# Filters that cannot make anything much bigger than what they get, nor take long: left unwrapped,
# as they are most of what a campaign email calls (the send path's CPU).
UNCHECKED_FILTERS = frozenset(("default", "d", "title", "upper", "lower", "capitalize", "trim", "length", "count",
                               "first", "last", "safe", "abs", "float"))


def _bounded_filter(func, check):
    from jinja2.utils import _PassArg

    passed = 1 if _PassArg.from_obj(func) is not None else 0  # the context, eval context or environment

    @functools.wraps(func)  # keeps the pass_context/pass_environment marks
    def bounded(*args, **kwargs):
        _spend_call(_budget())
        if check is not None:
            rest, kwargs = check(args[passed:], kwargs)
            args = args[:passed] + tuple(rest)
        return checked(func(*args, **kwargs))

    return bounded


def bounded_lipsum(n=5, html=True, min=20, max=100):  # Jinja's own argument names
    from jinja2.utils import generate_lorem_ipsum

    _width(n, "lipsum paragraphs", 20)
    _width(max, "lipsum words", MAX_WIDTH)
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


# ---------------------------------------------------------------- the environment

@lru_cache(maxsize=1)
def environment_class():
    """The sandbox with the hooks above (built on first use: Jinja is not imported at cold start)."""
    from jinja2 import nodes, pass_context
    from jinja2.compiler import CodeGenerator
    from jinja2.runtime import LoopContext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedCodeGenerator(CodeGenerator):
        def buffer(self, frame) -> None:
            frame.buffer = self.temporary_identifier()
            self.writeline(f"{frame.buffer} = environment.bounded_buffer()")

        def visit_Concat(self, node, frame) -> None:
            self.write("environment.bounded_concat(")
            super().visit_Concat(node, frame)
            self.write(")")

    @pass_context  # never evaluated at compile time (constant folding)
    def loop_items(context, iterable):
        return counted(iterable)

    class BoundedEnvironment(ImmutableSandboxedEnvironment):
        code_generator_class = BoundedCodeGenerator
        intercepted_binops = frozenset(("+", "*", "**", "%"))
        bounded_buffer = Buffer
        bounded_concat = staticmethod(concat)

        def __init__(self, **options):
            super().__init__(**options)
            checks = _filter_checks()
            self.filters = {name: f if name in UNCHECKED_FILTERS else _bounded_filter(f, checks.get(name))
                            for name, f in self.filters.items()}
            self.filters[LOOP_FILTER] = loop_items
            self.globals.update(range=bounded_range, lipsum=bounded_lipsum)

        def _parse(self, source, name, filename):
            """Every for loop's items go through the counting filter (loops are the one way a template
            repeats work without calling anything)."""
            ast = super()._parse(source, name, filename)
            for loop in list(ast.find_all(nodes.For)):
                loop.iter = nodes.Filter(loop.iter, LOOP_FILTER, [], [], None, None, lineno=loop.lineno)
            ast.set_environment(self)
            return ast

        def call_binop(self, context, operator, left, right):
            return binop(operator, left, right)

        def call(self, context, obj, /, *args, **kwargs):
            budget = _budget()
            _spend_call(budget)
            if isinstance(obj, LoopContext) and args:  # a recursive loop's next level: counted too
                args = (counted(args[0]),) + args[1:]
            owner = getattr(getattr(obj, "__wrapped__", obj), "__self__", None)
            if isinstance(owner, str):
                args = _check_str_method(owner, getattr(obj, "__name__", ""), args, kwargs)
            budget.depth += 1
            try:
                if budget.depth > MAX_NESTING:
                    raise RenderLimit(f"calls nested more than {MAX_NESTING} deep (a macro calling itself?)")
                return checked(super().call(context, obj, *args, **kwargs))
            finally:
                budget.depth -= 1

    return BoundedEnvironment
