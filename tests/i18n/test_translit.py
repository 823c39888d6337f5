"""Serbian Latin to Cyrillic transliteration of bot texts."""

from __future__ import annotations

import time
import unicodedata

import pytest

from bot.i18n.translit import KEEP_LATIN, latin_to_cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Ljubav i njegova džamija", "Љубав и његова џамија"),
        ("Đak ćuti, čeka šećer i žute šljive.", "Ђак ћути, чека шећер и жуте шљиве."),
        ("abcčćdđefghijklmnoprsštuvzž", "абцчћдђефгхијклмнопрсштувзж"),
        ("ABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ", "АБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ"),
        ("Dobro došli u Kapacitet!", "Добро дошли у Капацитет!"),
        ("Telegram i Instagram", "Телеграм и Инстаграм"),
        ("EU i NATO", "ЕУ и НАТО"),
        ("", ""),
        ("123, 4.5 — ok?", "123, 4.5 — ок?"),
    ],
)
def test_plain_sentences(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("LJUBLJANA", "ЉУБЉАНА"),
        ("NJEGOŠ", "ЊЕГОШ"),
        ("DŽEP", "ЏЕП"),
        ("Ljubljana", "Љубљана"),
        ("Njegoš", "Његош"),
        ("Džep", "Џеп"),
        ("LJubav", "Љубав"),
        ("VAŽNO: PROČITAJTE PRAVILA", "ВАЖНО: ПРОЧИТАЈТЕ ПРАВИЛА"),
        ("MI SMO TU, DA LI STE VI?", "МИ СМО ТУ, ДА ЛИ СТЕ ВИ?"),
    ],
)
def test_digraphs_in_every_letter_case(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


def test_camel_case_pair_is_two_letters() -> None:
    assert latin_to_cyrillic("poredŽivota") == "поредЖивота"


def test_single_code_point_digraphs() -> None:
    assert latin_to_cyrillic("\u01c9ubav \u01c8ubav \u01ccega \u01c6ep \u01c4EP") == (
        "љубав Љубав њега џеп ЏЕП"
    )


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("nadživeti", "надживети"),
        ("nadživjeti", "надживјети"),
        ("nadživljavati", "надживљавати"),
        ("Nadživela", "Надживела"),
        ("NADŽIVETI", "НАДЖИВЕТИ"),
        ("odžaliti", "оджалити"),
        ("podžanr", "поджанр"),
        ("Podžupan", "Поджупан"),
        ("injekcija", "инјекција"),
        ("Injekcije", "Инјекције"),
        ("konjugacija", "конјугација"),
        ("konjunkcija", "конјункција"),
        ("injunkcija", "инјункција"),
        ("vanjezički", "ванјезички"),
        ("VANJEZIČKI", "ВАНЈЕЗИЧКИ"),
        # look-alikes that do have a single letter
        ("odžak", "оџак"),
        ("odžačar", "оџачар"),
        ("nadžak", "наџак"),
        ("konj", "коњ"),
        ("konjušnica", "коњушница"),
        ("hodža", "хоџа"),
        ("džungla", "џунгла"),
    ],
)
def test_prefix_words_keep_two_letters(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


def test_link_tag_and_href_untouched() -> None:
    text = '<a href="https://europa.eu/njega?lj=1&amp;dž=2">Njega</a>'
    assert latin_to_cyrillic(text) == '<a href="https://europa.eu/njega?lj=1&amp;dž=2">Њега</a>'


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("<b>Važno</b> i <i>lijepo</i>", "<b>Важно</b> и <i>лијепо</i>"),
        ('<span class="tg-spoiler">tajna</span>', '<span class="tg-spoiler">тајна</span>'),
        ("<tg-spoiler>tajna</tg-spoiler>", "<tg-spoiler>тајна</tg-spoiler>"),
        ("<blockquote expandable>citat</blockquote>", "<blockquote expandable>цитат</blockquote>"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', None),
        ("<pre>kod</pre>", "<pre>код</pre>"),
        ("Ana &amp; Marko &lt;3 &#123; &#x1F600;", "Ана &amp; Марко &lt;3 &#123; &#x1F600;"),
        ("a < b i c > d", "а < б и ц > д"),
    ],
)
def test_html_is_kept(latin: str, cyrillic: str | None) -> None:
    assert latin_to_cyrillic(latin) == (latin if cyrillic is None else cyrillic)


def test_code_blocks_untouched() -> None:
    text = 'Pokreni <code>lj nj dž</code> i <code class="language-python">print("njega")</code>.'
    assert latin_to_cyrillic(text) == (
        'Покрени <code>lj nj dž</code> и <code class="language-python">print("njega")</code>.'
    )


def test_unclosed_code_tag_still_converts_the_rest() -> None:
    assert latin_to_cyrillic("<code>njega") == "<code>њега"


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Zdravo, {name}!", "Здраво, {name}!"),
        ("Imate {count} lekcija", "Имате {count} лекција"),
        ("{njname} i {ljubav:>10} i {dž!r}", "{njname} и {ljubav:>10} и {dž!r}"),
        ("{user.name} {items[0]} {} {0}", "{user.name} {items[0]} {} {0}"),
        ("{{njega}}", "{{њега}}"),
        ("Ostalo je %(count)d dana", "Остало је %(count)d дана"),
        ("%(njega)s i %s i %d i %.2f i %%", "%(njega)s и %s и %d и %.2f и %%"),
        ("50% sniženja, 10 % s popustom", "50% снижења, 10 % с попустом"),
        ("{name}-om", "{name}-ом"),
    ],
)
def test_placeholders_untouched(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Pošaljite /start ili /mydata.", "Пошаљите /start или /mydata."),
        ("/lekcija@kapacitet_bot", "/lekcija@kapacitet_bot"),
        ("da/ne i i/ili", "да/не и и/или"),
        ("Pišite @njegos_bot ili @ana", "Пишите @njegos_bot или @ana"),
        ("Vidi https://kapacitet.org/lj/nj?x=1 sad", "Види https://kapacitet.org/lj/nj?x=1 сад"),
        ("(www.njuz.net)", "(www.njuz.net)"),
        ("Sajt europa.eu i vlada.gov.rs", "Сајт europa.eu и vlada.gov.rs"),
        ("Preuzmi izvestaj.pdf i podaci.csv", "Преузми izvestaj.pdf и podaci.csv"),
        ("Pišite na ana.njegic@primer.rs.", "Пишите на ana.njegic@primer.rs."),
        ("mailto:info@kapacitet.org", "mailto:info@kapacitet.org"),
        ("#lekcija", "#лекција"),
    ],
)
def test_links_commands_and_names_untouched(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Wi-Fi mreža", "Wi-Fi мрежа"),
        ("Windows i YouTube", "Windows и YouTube"),
        ("Tabela u Excel-u", "Табела у Excel-у"),
        ("Quiz sa taxi", "Quiz са taxi"),
        ("café i Müller", "café и Müller"),
        ("Izvezi PDF, CSV ili XLSX", "Извези PDF, CSV или XLSX"),
        ("PDF-a i SMS-om", "PDF-а и SMS-ом"),
        ("Pošalji e-mail preko Google-a", "Пошаљи e-mail преко Google-а"),
        ("UNODC i OSCE, GDPR, 2FA, ID", "UNODC и OSCE, GDPR, 2FA, ID"),
        ("Modul II, IV i XXI vek", "Модул II, IV и XXI век"),
        ("polje user_name", "поље user_name"),
    ],
)
def test_foreign_words_and_acronyms_kept(latin: str, cyrillic: str) -> None:
    assert latin_to_cyrillic(latin) == cyrillic


def test_keep_latin_acronyms_are_latin_only() -> None:
    assert all(token.isascii() for token in KEEP_LATIN)
    assert "NATO" not in KEEP_LATIN and "EU" not in KEEP_LATIN


def test_montenegrin_letters_use_combining_acute() -> None:
    result = latin_to_cyrillic("śekira, Źeno, ŚEVER")
    assert result == "с\u0301екира, З\u0301ено, С\u0301ЕВЕР"
    assert [f"U+{ord(char):04X}" for char in result[:2]] == ["U+0441", "U+0301"]
    assert [f"U+{ord(char):04X}" for char in latin_to_cyrillic("Ź")] == ["U+0417", "U+0301"]


def test_decomposed_input_is_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "Džep, šuma, ćevap, śekira i DŽ")
    assert nfd != unicodedata.normalize("NFC", nfd)
    assert latin_to_cyrillic(nfd) == "Џеп, шума, ћевап, с\u0301екира и Џ"
    # d + z + combining caron is still the single letter џ
    assert latin_to_cyrillic("dz\u030cem") == "џем"


def test_decomposed_text_inside_protected_spans_is_not_normalised() -> None:
    code = "<code>dz\u030c</code>"
    assert latin_to_cyrillic(code) == code


def test_emoji_and_mixed_text() -> None:
    assert latin_to_cyrillic("Bravo! 🎉 Završili ste lekciju 3/5 ✅👍🏽") == (
        "Браво! 🎉 Завршили сте лекцију 3/5 ✅👍🏽"
    )


@pytest.mark.parametrize(
    "cyrillic",
    [
        "Љубав и његова џамија",
        "ЉУБЉАНА, ЊЕГОШ, надживети",
        "с\u0301екира и з\u0301ено",
        "Пошаљите /start, <b>важно</b> {name}",
    ],
)
def test_cyrillic_passes_through(cyrillic: str) -> None:
    assert latin_to_cyrillic(cyrillic) == cyrillic


def test_idempotent() -> None:
    text = (
        '<b>Njega</b> <a href="https://x.rs/nj">link</a> {name} PDF-a Wi-Fi '
        "nadživeti śekira LJUBLJANA /start @ana"
    )
    once = latin_to_cyrillic(text)
    assert latin_to_cyrillic(once) == once


def test_names_kept_in_latin_are_matched_on_the_whole_word_or_compound() -> None:
    keep = ["e-Albania", "Aegis"]
    assert latin_to_cyrillic("e-Albania i Aegis, e-pošta", keep) == "e-Albania и Aegis, е-пошта"
    assert latin_to_cyrillic("Aegis-a", keep) == "Aegis-а"
    assert latin_to_cyrillic("e-Albania i Aegis") == "е-Албаниа и Аегис"


def test_mixed_script_word() -> None:
    assert latin_to_cyrillic("Њegoš") == "Његош"


@pytest.mark.parametrize(
    "hostile",
    [
        "<a " + "x" * 20_000,
        '<a href="' + "x " * 10_000,
        "%" * 20_000,
        "{" * 20_000,
        "a." * 10_000,
        "@" * 20_000,
        "<" + "a" * 20_000,
        "a@" * 10_000,
        "x" * 20_000 + "@",
        "/a" * 10_000,
        "&a" * 10_000,
        "a-" * 10_000,
    ],
)
def test_no_catastrophic_backtracking(hostile: str) -> None:
    start = time.perf_counter()
    latin_to_cyrillic(hostile)
    assert time.perf_counter() - start < 2.0
