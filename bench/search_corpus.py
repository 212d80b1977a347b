"""A generated mail corpus for the search benchmark: Russian (with real inflection) and English.

Words follow a Zipf distribution over a printing house's business vocabulary. Russian lemmas are
inflected with pymorphy3's dictionary (every form of the lexeme, up to 12 per word), so the
corpus holds "договор", "договора", "договорами", ... as real mail does; without pymorphy3 a
small table of endings is used instead. English words get -s/-ed/-ing forms. Deterministic for a
seed. Rows are written straight into the CRM tables (letters, addresses, locations, links) with
Core executemany: no MIME, no parsing, no filing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

RUSSIAN = ["договор", "счёт", "оплата", "заказ", "поставка", "печать", "тираж", "макет", "каталог", "календарь", "брошюра", "листовка", "буклет", "визитка", "плакат", "бумага", "картон", "краска", "обложка", "переплёт", "ламинирование", "лакировка", "тиснение", "вырубка", "фальцовка", "брошюровка", "упаковка", "доставка", "отгрузка", "склад", "накладная", "акт", "сверка", "смета", "цена", "стоимость", "скидка", "предоплата", "аванс", "задолженность", "платёж", "реквизиты", "банк", "директор", "менеджер", "бухгалтер", "клиент", "поставщик", "заказчик", "партнёр", "компания", "организация", "отдел", "офис", "встреча", "звонок", "письмо", "сообщение", "предложение", "запрос", "ответ", "вопрос", "проект", "образец", "пробник", "цвет", "формат", "размер", "страница", "лист", "экземпляр", "срок", "дата", "неделя", "месяц", "квартал", "год", "понедельник", "пятница", "утро", "вечер", "качество", "брак", "претензия", "возврат", "замена", "гарантия", "условие", "требование", "документ", "файл", "вложение", "подпись", "печатный", "цифровой", "офсетный", "глянцевый", "матовый", "плотный", "срочный", "новый", "старый", "готовый", "большой", "маленький", "следующий", "последний", "важный", "дополнительный", "окончательный", "согласованный", "отправить", "получить", "подписать", "согласовать", "утвердить", "оплатить", "заказать", "напечатать", "изготовить", "доставить", "уточнить", "обсудить", "подготовить", "проверить", "исправить", "прислать", "выставить", "подтвердить", "рассчитать", "оформить", "забрать", "передать", "ждать", "просить", "сообщить", "направить", "рассмотреть", "принять", "типография", "производство", "оборудование", "машина", "станок", "резка", "сборка", "контроль", "технолог", "дизайнер", "верстка", "корректура", "правка", "вариант", "эскиз", "логотип", "бренд", "выставка", "конференция", "рекламный", "мероприятие", "акция", "продажа", "покупка", "рынок", "конкурент", "тендер", "аукцион", "контракт", "спецификация", "приложение", "договорённость", "обязательство", "ответственность", "штраф", "пеня", "неустойка", "расторжение", "продление", "пролонгация", "дополнение", "изменение", "согласование", "утверждение", "подтверждение", "уведомление", "напоминание", "просьба", "благодарность", "извинение", "поздравление", "праздник", "отпуск", "командировка", "транспорт", "машина", "водитель", "адрес", "город", "улица", "дом", "склад", "терминал", "маршрут", "курьер", "посылка", "коробка", "паллета", "тонна", "килограмм", "штука", "комплект", "набор", "партия", "остаток", "наличие", "дефицит"]

ENGLISH = ["invoice", "order", "payment", "delivery", "shipment", "print", "printing", "catalog", "calendar", "brochure", "leaflet", "booklet", "card", "poster", "paper", "board", "ink", "cover", "binding", "lamination", "varnish", "embossing", "cutting", "folding", "packaging", "warehouse", "account", "statement", "estimate", "price", "cost", "discount", "prepayment", "advance", "debt", "bank", "director", "manager", "accountant", "client", "supplier", "customer", "partner", "company", "department", "office", "meeting", "call", "letter", "message", "offer", "request", "answer", "question", "project", "sample", "proof", "color", "format", "size", "page", "sheet", "copy", "deadline", "date", "week", "month", "quarter", "year", "monday", "friday", "morning", "quality", "defect", "claim", "return", "replacement", "warranty", "condition", "requirement", "document", "file", "attachment", "signature", "digital", "offset", "glossy", "matte", "dense", "urgent", "new", "final", "approved", "large", "small", "next", "last", "important", "additional", "send", "receive", "sign", "approve", "pay", "produce", "deliver", "clarify", "discuss", "prepare", "check", "fix", "confirm", "calculate", "arrange", "collect", "transfer", "wait", "ask", "inform", "review", "accept", "production", "equipment", "machine", "press", "assembly", "control", "designer", "layout", "proofreading", "revision", "option", "sketch", "logo", "brand", "exhibition", "conference", "advertising", "event", "promotion", "sale", "purchase", "market", "competitor", "tender", "contract", "specification", "agreement", "obligation", "penalty", "termination", "extension", "amendment", "change", "notification", "reminder", "thanks", "apology", "holiday", "trip", "transport", "driver", "address", "city", "street", "terminal", "route", "courier", "parcel", "box", "pallet", "ton", "piece", "set", "batch", "stock", "shortage"]

FIRST = ["Иван", "Мария", "Ольга", "Павел", "Анна", "Сергей", "Елена", "Дмитрий", "Наталья",
         "Алексей", "John", "Emma", "Peter", "Laura"]
LAST = ["Петров", "Сидорова", "Смирнова", "Орлов", "Кузнецова", "Волков", "Морозова", "Лебедев",
        "Новикова", "Соколов", "Smith", "Brown", "Miller", "Wilson"]
SYLLABLES = ["строй", "маш", "тепло", "ком", "пром", "снаб", "поли", "граф", "офсет", "принт",
             "урал", "сиб", "тех", "торг", "альфа", "нова", "мега", "лайн", "лес", "агро"]


def _russian_forms(lemmas: list[str]) -> list[list[str]]:
    try:
        import pymorphy3
    except ImportError:
        endings = ["", "а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах"]
        return [[w] + [w.rstrip("аяоьй") + e for e in endings[1:]] for w in lemmas]
    morph = pymorphy3.MorphAnalyzer(lang="ru")
    out = []
    for lemma in lemmas:
        forms = list(dict.fromkeys(f.word for f in morph.parse(lemma)[0].lexeme))
        out.append([lemma] + [f for f in forms if f != lemma][:11])
    return out


def _english_forms(lemmas: list[str]) -> list[list[str]]:
    out = []
    for w in lemmas:
        stem = w.removesuffix("e")
        out.append([w, w + "s", stem + "ed", stem + "ing"])
    return out


@dataclass(frozen=True)
class Vocabulary:
    forms: list[str]  # every inflected form
    weights: list[float]  # cumulative, Zipf over lemmas shared among their forms
    lemmas: list[list[str]]  # forms of each lemma, by frequency rank


def vocabulary(lemmas: list[str], forms: list[list[str]], seed: int) -> Vocabulary:
    rng = random.Random(seed)
    order = list(range(len(lemmas)))
    rng.shuffle(order)
    flat: list[str] = []
    cumulative: list[float] = []
    total = 0.0
    ranked = []
    for rank, i in enumerate(order, 1):
        share = 1.0 / rank ** 0.9
        ranked.append(forms[i])
        for j, form in enumerate(forms[i]):
            total += share * (0.5 if j == 0 else 0.5 / max(1, len(forms[i]) - 1))
            flat.append(form)
            cumulative.append(total)
    return Vocabulary(flat, cumulative, ranked)


@dataclass(frozen=True)
class Corpus:
    russian: Vocabulary
    english: Vocabulary
    counterparties: list[tuple[str, str]]  # (name, domain)
    start: dt.datetime
    days: int


def make_corpus(seed: int = 0, counterparties: int = 500) -> Corpus:
    rng = random.Random(seed)
    names: dict[str, str] = {}
    while len(names) < counterparties:
        name = "".join(rng.sample(SYLLABLES, rng.choice((2, 2, 3)))).capitalize()
        names.setdefault(name, _translit(name) + ".ru")
    return Corpus(
        russian=vocabulary(RUSSIAN, _russian_forms(RUSSIAN), seed),
        english=vocabulary(ENGLISH, _english_forms(ENGLISH), seed + 1),
        counterparties=sorted(names.items()),
        start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), days=730,
    )


_TR = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
               ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya"],
               strict=False))


def _translit(text: str) -> str:
    return "".join(_TR.get(c, c) for c in text.lower())


@dataclass
class GeneratedLetter:
    subject: str
    body: str
    sent_at: dt.datetime
    sender: tuple[str, str]
    recipient: tuple[str, str]
    counterparty: int  # index into corpus.counterparties
    mailbox: int  # 0-5 personal mailboxes of manager1..6, 6 "sales", 7 "info"
    outgoing: bool


def _sentence(rng: random.Random, vocab: Vocabulary, n: int) -> str:
    words = rng.choices(vocab.forms, cum_weights=vocab.weights, k=n)
    return " ".join(words).capitalize() + "."


def letters(corpus: Corpus, n: int, seed: int = 0) -> Iterator[GeneratedLetter]:
    """``n`` letters, 60 % Russian and 40 % English, in a fixed order for a seed."""
    rng = random.Random(seed)
    managers = [(f"Менеджер {i}", f"manager{i}@letterpress.test") for i in range(1, 7)]
    for _ in range(n):
        vocab = corpus.russian if rng.random() < 0.6 else corpus.english
        cp = rng.randrange(len(corpus.counterparties))
        domain = corpus.counterparties[cp][1]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        person = (f"{first} {last}", f"{_translit(first)}.{_translit(last)}@{domain}")
        box = rng.choices(range(8), weights=[13, 13, 13, 13, 14, 14, 15, 5])[0]
        manager = managers[box if box < 6 else rng.randrange(6)]
        outgoing = rng.random() < 0.3
        sentences = [_sentence(rng, vocab, rng.randint(6, 16)) for _ in range(rng.randint(8, 14))]
        subject = _sentence(rng, vocab, rng.randint(4, 9))[:-1]
        if rng.random() < 0.2:
            subject = f"Re: {subject}"
        yield GeneratedLetter(
            subject=subject, body="\n".join(sentences),
            sent_at=corpus.start + dt.timedelta(seconds=rng.randrange(corpus.days * 86400)),
            sender=manager if outgoing else person, recipient=person if outgoing else manager,
            counterparty=cp, mailbox=box, outgoing=outgoing,
        )
