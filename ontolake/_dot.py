"""Reading Graphviz DOT text back into nodes, edges and attributes (the subset ontolake writes).

ontolake draws its graphs as DOT text; without Graphviz's ``dot`` program, the pictures are
laid out in Python (:mod:`ontolake._layered`) from this parse. The subset: one ``graph`` or
``digraph`` with graph attributes (``rankdir=LR;``), ``graph``/``node``/``edge`` default
attributes, node statements and edge chains (``a -> b -> c``) with attribute lists; ids are
bare words, numbers or double-quoted strings. Subgraphs, ports and HTML labels are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

__all__ = ["DotGraph", "DotSyntaxError", "parse_dot"]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<edge>->|--)
      | (?P<word>[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff.]*|-?(?:\d+(?:\.\d*)?|\.\d+))
      | (?P<punct>[{}\[\]=;,])
      | (?P<comment>//[^\n]*|/\*.*?\*/|\#[^\n]*)
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = re.compile(r"\\(.)")


class DotSyntaxError(ValueError):
    """DOT text outside the subset this reader understands."""


@dataclass
class DotGraph:
    """A parsed graph: attributes, nodes (in order of appearance) and edges.

    Node and edge attributes include the ``node``/``edge`` defaults in force where they
    were declared.
    """

    directed: bool = True
    attributes: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


def parse_dot(text: str) -> DotGraph:
    r"""The graph of ``text`` (a node named only in an edge gets the default attributes).

    Raises:
        DotSyntaxError: the text is not DOT, or uses what this reader does not read.

    Example:
        >>> graph = parse_dot('digraph { rankdir=LR; a [label="A\\nB"]; a -> b [style=dashed]; }')
        >>> graph.attributes, graph.nodes["a"]["label"], graph.edges
        ({'rankdir': 'LR'}, 'A\nB', [('a', 'b', {'style': 'dashed'})])
    """
    return _Parser(_tokens(text)).graph()


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if found is None:
            raise DotSyntaxError(f"unexpected {text[position : position + 20].strip()!r}")
        position = found.end()
        if found.lastgroup != "comment":
            tokens.append(found.group(found.lastgroup or 0))
    return tokens


def _unquote(token: str) -> str:
    if not token.startswith('"'):
        return token
    return _ESCAPES.sub(
        lambda match: "\n" if match.group(1) in "nlr" else match.group(1), token[1:-1]
    )


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.defaults: dict[str, dict[str, str]] = {"node": {}, "edge": {}}

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise DotSyntaxError(f"expected {expected or 'more text'}, found {token!r}")
        self.position += 1
        return token

    def graph(self) -> DotGraph:
        if self.peek() == "strict":
            self.take()
        kind = self.take()
        if kind not in ("graph", "digraph"):
            raise DotSyntaxError(f"a DOT graph starts with 'graph' or 'digraph', not {kind!r}")
        graph = DotGraph(directed=kind == "digraph")
        if self.peek() != "{":
            self.take()  # the graph's name
        self.take("{")
        while self.peek() != "}":
            self.statement(graph)
        self.take("}")
        if self.peek() is not None:
            raise DotSyntaxError(f"text after the graph: {self.peek()!r}")
        return graph

    def statement(self, graph: DotGraph) -> None:
        first = self.take()
        if first in ("subgraph", "{"):
            raise DotSyntaxError("subgraphs are not read")
        if first in ("graph", "node", "edge"):
            attributes = self.attributes()
            into = graph.attributes if first == "graph" else self.defaults[first]
            into.update(attributes)
        elif self.peek() == "=":
            self.take()
            graph.attributes[_unquote(first)] = _unquote(self.take())
        else:
            chain = [_unquote(first)]
            while self.peek() in ("->", "--"):
                self.take()
                chain.append(_unquote(self.take()))
            attributes = self.attributes() if self.peek() == "[" else {}
            if len(chain) == 1:
                graph.nodes.setdefault(chain[0], dict(self.defaults["node"])).update(attributes)
            for name in chain:
                graph.nodes.setdefault(name, dict(self.defaults["node"]))
            for source, target in pairwise(chain):
                graph.edges.append((source, target, {**self.defaults["edge"], **attributes}))
        if self.peek() == ";":
            self.take()

    def attributes(self) -> dict[str, str]:
        found: dict[str, str] = {}
        self.take("[")
        while self.peek() != "]":
            key = _unquote(self.take())
            self.take("=")
            found[key] = _unquote(self.take())
            if self.peek() in (",", ";"):
                self.take()
        self.take("]")
        return found
