"""What the demo's letters say: subjects, bodies, signatures, the foreign partners' English.

Pure data and small pure helpers (no database, no randomness of their own: callers pass their
``random.Random``). :mod:`letterpress.demo.mail` decides who writes to whom and when.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from letterpress.demo.names import COMPANY_DOMAIN, COMPANY_NAME

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
MONTHS_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                     "сентябрь", "октябрь", "ноябрь", "декабрь")


def ru_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]}"


def en_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}"


# -- the printing house -----------------------------------------------------------------------

STAFF_TITLES = {
    "head": "руководитель отдела продаж",
    "admin": "администратор",
}
STAFF_TITLE = "менеджер по работе с клиентами"
STAFF_TITLE_EN = "Account Manager"
OFFICE_PHONE = "+7 (495) 641-27-{ext:02d}"
WAREHOUSE = "Москва, ул. Полиграфистов, д. 7, склад № 2 (вход со двора)"


def staff_signature(name: str, title: str, ext: int, *, english: bool = False) -> str:
    if english:
        return (f"Best regards,\n{name}\n{STAFF_TITLE_EN}, Demo-Print printing house\n"
                f"+7 495 641 27 {ext:02d}\nwww.{COMPANY_DOMAIN}")
    return (f"С уважением,\n{name}\n{title}\n{COMPANY_NAME}\n"
            f"тел. {OFFICE_PHONE.format(ext=ext)}\nwww.{COMPANY_DOMAIN}")


def client_signature(name: str, position: str | None, company: str) -> str:
    lines = ["С уважением,", name]
    if position:
        lines.append(position)
    lines.append(company)
    return "\n".join(lines)


# -- products ---------------------------------------------------------------------------------

SPECS = {
    "Каталоги продукции": (("А4, 48 полос, мелованная бумага 115 г/м², обложка 300 г/м² с "
                            "матовой ламинацией"), "А4, 32 полосы + обложка, скрепление на скобу"),
    "Буклеты": ("А4 с двумя фальцами, мелованная бумага 170 г/м², 4+4",
                "евро (99×210), 130 г/м², 4+4"),
    "Листовки": ("А5, мелованная бумага 130 г/м², 4+4", "А6, 4+0, 115 г/м²"),
    "Визитки": ("90×50, 4+4, картон 300 г/м²", "90×50, 4+0, дизайнерский картон"),
    "Упаковка": ("коробка с вырубкой по штампу, картон 350 г/м², 4+0, выборочный лак",
                 "коробка-самосборка, картон хром-эрзац"),
    "Этикетки": ("самоклеящиеся, 58×40, полуглянец, на ролике", "70×100, 4+0, с конгревом"),
    "Плакаты": ("А2, 4+0, 150 г/м²", "А1, 4+0, 170 г/м²"),
    "Бланки": ("А4, 1+0, офсетная 80 г/м²", "А4, 2+0, с нумерацией"),
    "Брошюры": ("А5, 64 полосы, клеевое скрепление", "А4, 24 полосы, скоба"),
    "Журнал": ("А4, 96 полос, мелованная 90 г/м², обложка 250 г/м²",
               "А4, 64 полосы, клеевое скрепление"),
    "Папки с логотипом": ("А4, картон 300 г/м², 4+0, с клапаном", "А4, тиснение фольгой"),
    "Меню": ("А4, 8 полос, ламинация", "А3 с фальцем, плотная бумага 300 г/м²"),
    "Квартальные календари": ("трио, 297×780, 3 рекламных поля, бегунок",
                              "моно, 297×730, шпиралька"),
    "Настольные календари": ("домик, 200×140, 14 листов", "перекидной, 210×100, 13 листов"),
    "Новогодние открытки": ("евро с фальцем, 300 г/м², тиснение фольгой", "А6, 4+4, УФ-лак"),
    "Ежедневники": ("А5, датированные, обложка с тиснением логотипа",
                    "А5, недатированные, кожзам"),
    "Карманные календари": ("70×100, 4+4, ламинация", "70×100, скругление углов"),
}
PRICE_LIST_ROWS = (
    ("Визитки 90×50, 4+4, 300 г/м²", 1000, 1900),
    ("Листовки А5, 4+4, 130 г/м²", 1000, 5200),
    ("Листовки А4, 4+4, 130 г/м²", 1000, 9400),
    ("Буклеты А4, 2 фальца, 170 г/м²", 1000, 14800),
    ("Брошюры А5, 32 полосы, скоба", 500, 31000),
    ("Каталоги А4, 48 полос, клей", 500, 96000),
    ("Плакаты А2, 4+0, 150 г/м²", 100, 6900),
    ("Бланки А4, 1+0, 80 г/м²", 1000, 3100),
    ("Папки А4 с клапаном, 4+0", 500, 27500),
    ("Этикетки самоклеящиеся 58×40", 5000, 8800),
    ("Квартальный календарь «трио»", 100, 29500),
    ("Настольный календарь «домик»", 100, 21000),
    ("Карманный календарь 70×100", 1000, 4300),
    ("Ежедневник А5 с тиснением", 50, 26000),
    ("Новогодние открытки, тиснение фольгой", 300, 24600),
)
SUPPLY_PRICE_ROWS = {
    "paper": (("Бумага мелованная 115 г/м², 70×100, глянец", "т", 142000),
              ("Бумага мелованная 170 г/м², 70×100, мат", "т", 149500),
              ("Бумага офсетная 80 г/м², 62×94", "т", 118000),
              ("Картон хром-эрзац 300 г/м², 70×100", "т", 167000),
              ("Картон дизайнерский 300 г/м², 72×102", "лист", 96)),
    "ink": (("Краска триадная Cyan, 2,5 кг", "банка", 4100),
            ("Краска триадная Black, 2,5 кг", "банка", 3600),
            ("Смывка для валов, 20 л", "канистра", 8900),
            ("Увлажняющий раствор, 10 л", "канистра", 5200)),
    "plates": (("Пластины термальные 745×605×0,3", "шт.", 610),
               ("Пластины термальные 1030×790×0,3", "шт.", 980),
               ("Проявитель, 20 л", "канистра", 11200)),
    "postpress": (("Плёнка для ламинации матовая 32 мкм", "рулон", 7400),
                  ("Фольга для тиснения, золото", "рулон", 5600),
                  ("Ламинация А4 односторонняя", "лист", 6)),
}


def price_rows(factor: float) -> list[tuple[str, int, int]]:
    """The printing house's price list with prices grown by ``factor`` (rounded to 10)."""
    return [(name, qty, int(round(price * factor, -1))) for name, qty, price in PRICE_LIST_ROWS]


# -- customer letters ---------------------------------------------------------------------------

INQUIRY_SUBJECTS = ("Запрос стоимости: {what}", "Расчёт: {what}", "{product}: просим рассчитать",
                    "Новый заказ — {what}", "Печать: {what}")
INQUIRY = (
    "Просим рассчитать стоимость: {what}. {spec}. Нужно к {deadline}.",
    ("Планируем заказать {what} ({spec}). Подскажите, пожалуйста, цену и сроки. Макет готов, "
     "пришлём после согласования стоимости."),
    "Нужен расчёт на {what}, {spec}. Возможна ли доставка до нашего офиса?",
    "Снова к вам с заказом: {what}. Условия как в прошлый раз, {spec}. Успеете к {deadline}?",
    "Коллеги, нужен тираж: {what}. Параметры: {spec}. Пришлите, пожалуйста, расчёт и сроки.",
)
PROPOSAL_SUBJECTS = ("Коммерческое предложение: {product_lower}", "Предложение по {product_lower}")
PROPOSAL = (
    ("Как договаривались по телефону, направляю предложение: {what}, {spec}. "
     "Прайс-лист во вложении, для вашего объёма действует скидка 5%."),
    ("Предлагаем напечатать {what} ({spec}). Можем уложиться в {days} рабочих дней. "
     "Актуальный прайс-лист во вложении."),
)
PROPOSAL_ANSWER = (
    "Спасибо, интересно. Давайте посчитаем тираж {qty} экз. Какие сроки?",
    "Добрый день! Да, нам подходит. Сколько будет стоить {qty} экз.?",
)
QUOTE = (
    ("Стоимость тиража {qty} экз. — {amount}, в том числе НДС. Срок изготовления — {days} "
     "рабочих дней после согласования макета{terms}."),
    "Рассчитали: {what}, {spec} — {amount} с НДС. Готовность — {ready}{terms}.",
    ("По вашему запросу: {qty} экз. обойдутся в {amount} (с НДС), срок — {days} рабочих дней. "
     "Цена действительна до конца месяца{terms}."),
)
TERMS = {"prepay": ", работаем по 100% предоплате", "half": ", оплата 50/50",
         "postpay": ", оплата по факту отгрузки, как обычно"}
AGREE = (
    "Стоимость устраивает, запускаем. Макет во вложении.",
    "Согласны. Выставьте, пожалуйста, счёт на {legal}. Макет прикладываю.",
    "Хорошо, берём. Макет пришлём сегодня-завтра, счёт ждём.",
    "Договорились. Счёт и договор, пожалуйста, на {legal}.",
)
ORDER_SUBJECT = "Заказ {number}: счёт {invoice} на оплату"
ORDER_SUBJECT_NO_INVOICE = "Заказ {number} принят в работу"
ORDER = (
    ("Заказ {number} оформлен: {what}. Во вложении счёт {invoice} на сумму {amount}. "
     "Плановая готовность — {ready}."),
    ("Во вложении счёт {invoice} по заказу {number} ({amount}). После оплаты и согласования "
     "макета запускаем в печать, готовность — {ready}."),
)
ORDER_NO_INVOICE = ("Заказ {number} ({what}) принят в работу, плановая готовность — {ready}.",)
PROOF_SUBJECT = "Макет на согласование — заказ {number}"
PROOF = (
    ("Во вложении макет для согласования. Проверьте, пожалуйста, тексты, реквизиты и цвета. "
     "После вашего «согласовано» запускаем в печать."),
    ("Подготовили макет с учётом технических требований (вылеты 3 мм, шрифты в кривых). "
     "Посмотрите, пожалуйста, и подтвердите."),
)
PROOF_OK = ("Макет согласован, запускайте.", "Согласовано.", "Всё верно, печатайте.",
            "Согласовано, спасибо! Ждём тираж.")
PROOF_FIX = (
    "Поправьте, пожалуйста: в телефоне ошибка, должно быть {phone}. Остальное согласовано.",
    "Логотип нужно сделать крупнее, и поменяйте фото на второй странице (пришлю отдельно).",
    "Цвет фона темнее, чем в нашем брендбуке. Можно сделать светлее?",
)
PROOF_FIXED = ("Исправленный макет во вложении.", "Внесли правки, новый вариант во вложении.")
PAYMENT_SUBJECT = "Оплата по счёту {invoice}"
PAYMENT = (
    "Оплату по счёту {invoice} произвели {day}, платёжное поручение во вложении.",
    "Счёт {invoice} оплачен, прикладываю платёжку. Просим подтвердить получение.",
)
READY_SUBJECT = "Заказ {number} готов к отгрузке"
READY = (
    "Тираж по заказу {number} готов. Отгрузка {day}, документы передадим с водителем.",
    "Заказ {number} готов, можно забирать со склада: " + WAREHOUSE + ". Накладная во вложении.",
)
THANKS = ("Спасибо, получили. Всё отлично!", "Спасибо! Заберём завтра до обеда.",
          "Получили, претензий нет. Спасибо за оперативность.")
LATE_SUBJECT = "Срыв сроков по заказу {number}"
LATE = (
    ("Тираж по заказу {number} должны были отгрузить {day}, но до сих пор ничего нет. У нас "
     "мероприятие, полиграфия нужна срочно. Прошу разобраться."),
    ("Уже второй раз срываются сроки. По заказу {number} обещали {day}. Ставлю в копию "
     "руководителя отдела продаж."),
)
LATE_ANSWER = (("Приносим извинения: задержка из-за поставки бумаги. Отгрузим в ближайшие два "
                "дня, доставку берём на себя."),)
CANCEL_ORDER = (
    "К сожалению, вынуждены отказаться от заказа {number}: проект перенесли на следующий год.",
    "Заказ {number} отменяем — не успеваем согласовать макет внутри компании.",
    "Отказываемся от заказа {number}, нашли вариант дешевле. Спасибо за расчёт.",
    "Сроки сорваны, заказ {number} нам больше не нужен.",
)
DEBT_SUBJECT = "Напоминание об оплате счёта {invoice}"
DEBT = (("По заказу {number} отгрузка прошла {day}, счёт {invoice} на {amount} пока не оплачен. "
         "Подскажите, пожалуйста, когда ждать оплату?"),)
DEBT_ANSWER = ("Добрый день! Оплата в графике на эту пятницу.",
               "Извините, задержка с нашей стороны, оплатим до конца недели.")
CALENDAR_SUBJECT = "Календари на {year} год: предложение"
CALENDAR_ANSWER = ("Спасибо, интересно. Пришлите образцы настольных календарей, посмотрим с "
                   "руководством.")
CALENDAR = (("Пора планировать календари на {year} год. Во вложении прайс-лист: квартальные, "
             "настольные и карманные календари. До 15 сентября — скидка 7% на тиражи от 300 экз."),)
NEW_CONTACT_SUBJECTS = ("Новый контакт по полиграфии", "Смена ответственного за закупки",
                        "Знакомство")
NEW_CONTACT = (
    ("Меня зовут {name}, теперь вопросы по полиграфии в {company} веду я. Прошу добавить мой "
     "адрес в рассылку и по текущим заказам писать мне."),
    ("Я новый сотрудник отдела маркетинга {company}. Коллеги дали ваш контакт: нам нужно "
     "обсудить печать к выставке. Удобно созвониться на этой неделе?"),
    "{old} в отпуске до конца месяца, по всем вопросам пока обращайтесь ко мне.",
)

# -- meetings ----------------------------------------------------------------------------------

MEETINGS = (
    ("Встреча: презентация новых видов продукции", "Офис заказчика"),
    ("Встреча: согласование образцов", "Типография, переговорная"),
    ("Экскурсия по производству", "Типография, цех офсетной печати"),
    ("Планирование заказов на квартал", "Офис заказчика"),
    ("Обсуждение условий договора", "Видеозвонок (Телемост)"),
)
MEETING_BODY = ("Предлагаю встретиться {day} в {time}. Приглашение во вложении — подтвердите, "
                "пожалуйста, если время удобно.")
MEETING_CANCEL = "Встречу {day} придётся перенести, отменяю приглашение. Предложу новое время."

# -- suppliers ---------------------------------------------------------------------------------

SUPPLY_SUBJECT = "Заявка на поставку: заказ {number}"
SUPPLY = (
    ("Просим поставить {what} по заказу {number}. Доставка на наш склад до {day}. "
     "Счёт, пожалуйста, на ООО «Демо-Принт»."),
    "Нужна поставка ({what}), наш заказ {number}. Подтвердите наличие и сроки.",
)
SUPPLY_INVOICE = ("Наличие подтверждаем, поставка {day}. Счёт № {invoice} во вложении.",
                  "Добрый день! Счёт № {invoice} во вложении, отгрузим после оплаты.")
SUPPLIER_PRICES_SUBJECT = "Прайс-лист на {month}"
SUPPLIER_PRICES = ("Направляем актуальный прайс-лист. Цены на {what} изменились с 1-го числа.",
                   "Во вложении прайс-лист на {month}. Для постоянных клиентов условия прежние.")
NEWSLETTERS = {
    "paper": ("Новинки ассортимента: дизайнерский картон и крафт",
              "Скидка 5% на мелованную бумагу до конца месяца"),
    "ink": ("Новые краски для пищевой упаковки", "Семинар по управлению цветом"),
    "plates": ("Снижение цен на термальные пластины", "Сервис: бесплатная проверка CtP"),
    "postpress": ("Плёнки для софт-тач ламинации в наличии", "Новые цвета фольги"),
}
DIGESTS = (
    ("Полиграфия сегодня", "digest@poligrafiya-segodnya.ru", "poligrafiya-segodnya.ru",
     ("Рынок бумаги: итоги месяца", "Цифровая печать против офсета", "Как считать себестоимость",
      "Выставка «Реклама»: что покажут", "Тренды упаковки")),
    ("Выставка «Реклама»", "news@expo-reklama.ru", "expo-reklama.ru",
     ("Открыта регистрация посетителей", "Программа деловых мероприятий",
      "Последние стенды со скидкой")),
)

# -- private persons at public mail domains ----------------------------------------------------

PUBLIC_REQUESTS = (
    ("Визитки", "Сколько будет стоить 200 визиток? Макет у меня есть, в PDF."),
    ("Приглашения на свадьбу", ("Нужно 60 приглашений на свадьбу, плотная бумага, можно с "
     "тиснением. Сколько это стоит и сколько по времени?")),
    ("Печать фотокниги", "Хочу напечатать фотокнигу на 40 страниц, 2 экземпляра. Вы такое делаете?"),
    ("Листовки для кафе", "Открываем кафе, нужны листовки 1000 шт. А5. Посчитайте, пожалуйста."),
    ("Печать дипломной работы", ("Нужно распечатать и переплести диплом, 90 страниц, 2 экз. "
     "Успеете к пятнице?")),
    ("Календари с фото", "Хочу заказать 15 настольных календарей с семейными фото в подарок."),
    ("Наклейки", "Нужны круглые наклейки 40 мм, 500 шт., для упаковки мыла ручной работы."),
)
PUBLIC_ANSWER = ("Здравствуйте! Да, делаем. Ориентировочно {amount}, срок — {days} рабочих дня. "
                 "Пришлите, пожалуйста, макет — посчитаем точно.")
PUBLIC_FOLLOW = ("Спасибо! Макет во вложении, жду точный расчёт.",
                 "Спасибо, подумаю и вернусь.", "Подходит. Когда можно подъехать оплатить?")

# -- inside the printing house -----------------------------------------------------------------

INTERNAL = (
    ("План продаж на {month}", ("Коллеги, план на {month}: {plan} млн руб. по отделу. "
     "Приоритет — осенние календари и ежедневники. Жду ваши прогнозы по клиентам до среды.")),
    ("Итоги месяца: {month}", ("Коллеги, итоги за {month}: план выполнен на {percent}%. "
     "Спасибо всем! Отдельно — по просроченной дебиторке: проверьте своих клиентов.")),
)
REPORT = ("Отчёт за {month}", ("Отчёт за {month}: {orders} заказов, отгружено на {amount}. "
          "В работе {open} заказов, проблемных клиентов нет."))
REPORT_LATE = ("Отчёт за {month}", ("Отчёт за {month}: {orders} заказов, отгружено на {amount}. "
               "Есть задержки по отгрузкам из-за загрузки цеха."))
HEAD_TO_MANAGER = ("Срывы сроков: разбор", ("Максим, по твоим клиентам снова жалобы на сроки. "
                   "Давай в четверг разберём все открытые заказы и график цеха."))

# -- foreign partners (English) ----------------------------------------------------------------


class ForeignPartner(NamedTuple):
    name: str
    domain: str
    city: str
    kind: str  # supplier | customer
    manager: str
    people: tuple[tuple[str, str], ...]  # (name, position)
    utc_offset: int  # hours
    business: str


FOREIGN_PARTNERS = (
    ForeignPartner("Nordic Board Oy", "nordicboard.fi", "Хельсинки", "supplier", "manager1",
                   (("Mikko Virtanen", "Sales Manager"), ("Laura Nieminen", "Logistics Coordinator")),
                   2, "folding boxboard"),
    ForeignPartner("Baltic Books OÜ", "balticbooks.ee", "Таллин", "customer", "manager4",
                   (("Kadri Tamm", "Publishing Director"), ("Martin Saar", "Production Manager")),
                   2, "hardcover books"),
    ForeignPartner("PressTech Service GmbH", "presstech-service.de", "Штутгарт", "supplier",
                   "manager2", (("Thomas Becker", "Service Engineer"),
                                ("Julia Wagner", "Key Account Manager")), 1, "press service"),
)
# (subject, their letter, our answer); {first} is whom the letter greets.
EN_SUPPLIER = (
    ("Price update for {quarter}", ("Dear {first},\n\nplease find attached our price list for "
     "{quarter}. Prices for {business} change by {change}% from the first of the month; "
     "orders confirmed before then are delivered at the old prices."),
     "Dear {first},\n\nthank you, received. We will send our order for next month by Friday."),
    ("Order confirmation {ref}", ("Dear {first},\n\nthank you for your order. We confirm "
     "{tons} tonnes of {business}, delivery to Moscow in week {week}. The proforma invoice "
     "is attached."), ("Dear {first},\n\nthank you. The payment for the proforma will be made "
     "on {day}.")),
    ("Delivery schedule, week {week}", ("Hello {first},\n\nthe truck leaves our warehouse on "
     "{day}. CMR and the packing list will follow by e-mail. Customs clearance through your "
     "broker as usual."), ("Hello {first},\n\nthanks, noted. Please send the CMR as soon as "
     "the truck is loaded.")),
)
EN_CUSTOMER = (
    ("Request for quotation: {qty} {business}", ("Dear {first},\n\nwe are preparing a new "
     "series and would like a quotation for {qty} copies: 160x240 mm, 224 pages, 4+4, "
     "hardcover with matt lamination. Delivery to Tallinn, DAP. Could you also tell us the "
     "lead time?"), ("Dear {first},\n\nthank you for your request. For {qty} copies the price "
     "is EUR {price} per copy, DAP Tallinn; lead time is 15 working days after proof "
     "approval. The quotation is attached.")),
    ("Proofs for title {ref}", ("Hello {first},\n\nthe print-ready PDF for {ref} is attached. "
     "Please check the spine width; the cover was prepared for 18 mm."),
     "Hello {first},\n\nthank you, the files are fine. The proof will be ready on {day}."),
    ("Shipment of {ref}", ("Dear {first},\n\nthe books arrived today in good condition. Thank "
     "you and your team! We will send the next title in about a month."),
     ("Dear {first},\n\nglad to hear that, thank you! We are looking forward to the next "
      "title.")),
)
EN_SERVICE = (
    ("Service visit: offset press maintenance", ("Dear {first},\n\nour engineer can come for "
      "the annual maintenance of your four-colour press on {day}. Please confirm; the visit "
      "takes two days."), ("Dear {first},\n\n{day} suits us. We will stop the press the "
      "evening before.")),
    ("Spare parts quotation {ref}", ("Dear {first},\n\nattached is the quotation for the "
      "rollers and grippers we discussed. Delivery time is about three weeks."),
     "Dear {first},\n\nthank you. We accept the quotation; the order will follow today."),
)
EN_MEETINGS = (("Quarterly review call", "Microsoft Teams"),
               ("Service visit planning", "Demo-Print, production hall"),
               ("Production planning for the spring titles", "Video call"))


def first_name(name: str) -> str:
    return name.split()[0]


def greeting(rng: random.Random, address_as: str) -> str:
    return rng.choice((f"Добрый день, {address_as}!", f"Здравствуйте, {address_as}!",
                       f"{address_as}, добрый день!"))


def quoted(author: str, day: dt.datetime, body: str, *, english: bool = False) -> str:
    """The quoted tail of a reply, as mail clients write it (the first lines of the parent)."""
    lines = [line for line in body.splitlines() if line.strip()][:6]
    intro = (f"On {day:%d.%m.%Y %H:%M}, {author} wrote:" if english
             else f"{day:%d.%m.%Y %H:%M}, {author} пишет:")
    return intro + "\n" + "\n".join("> " + line for line in lines)
