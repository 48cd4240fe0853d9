"""Imported once by the extraction fork server (:mod:`ingest.workers`), never by anything else.

Whatever is loaded here, every extraction worker forked from the server has from its first
instruction: the extraction stack (lxml, BeautifulSoup, extruct, htmldate ...), the language
model and the compiled boilerplate rules, about a second of CPU that each worker would otherwise
spend before its first page.
"""

import ingest.extract  # noqa: F401
import ingest.process  # noqa: F401
from ingest.clean import load_rules
from ingest.language import warm_up

warm_up()
load_rules().block_full.compile_all()
