"""Telegram's HTML parse mode as the fake Bot API applies it: entities with UTF-16 offsets,
character references, nesting and order, links and mentions, Telegram's error wording, and
the rendering back to HTML."""

from __future__ import annotations

import pytest

from bot.simulator.fake_bot_api.telegram_html import (
    EntityParseError,
    check_link,
    entities_to_html,
    parse_html,
    trim,
    utf16_len,
)


def test_html_basic_tags_become_entities() -> None:
    text, entities = parse_html("<b>Zdravo</b>, <i>svete</i> i <u>sve</u> <s>staro</s>!")
    assert text == "Zdravo, svete i sve staro!"
    assert entities == [
        {"offset": 0, "length": 6, "type": "bold"},
        {"offset": 8, "length": 5, "type": "italic"},
        {"offset": 16, "length": 3, "type": "underline"},
        {"offset": 20, "length": 5, "type": "strikethrough"},
    ]


def test_html_offsets_are_utf16_code_units_with_emoji_and_cyrillic() -> None:
    text, entities = parse_html("👋 <b>Привет</b> 🇷🇸 <i>ђак</i> <code>x</code>")
    assert text == "👋 Привет 🇷🇸 ђак x"
    # 👋 is a surrogate pair (2 units); the flag is two regional indicators (4 units).
    assert entities == [
        {"offset": 3, "length": 6, "type": "bold"},
        {"offset": 15, "length": 3, "type": "italic"},
        {"offset": 19, "length": 1, "type": "code"},
    ]
    assert utf16_len(text) == 20


def test_html_character_references() -> None:
    text, entities = parse_html("&lt;b&gt; &amp; &quot;q&quot; &amp &#128075; &#x41; &nbsp; &copy;")
    assert text == '<b> & "q" & 👋 A &nbsp; &copy;'
    assert entities == []
    text, entities = parse_html("&#128075;<b>x</b>")
    assert entities == [{"offset": 2, "length": 1, "type": "bold"}]


def test_html_nested_entities_are_sorted_like_telegram() -> None:
    text, entities = parse_html("<b>a <i>b</i></b><i><b>c</b></i>")
    assert text == "a bc"
    assert entities == [
        {"offset": 0, "length": 3, "type": "bold"},
        {"offset": 2, "length": 1, "type": "italic"},
        {"offset": 3, "length": 1, "type": "bold"},
        {"offset": 3, "length": 1, "type": "italic"},
    ]


def test_html_links_pre_spoilers_and_quotes() -> None:
    source = (
        '<a href="https://example.com">site</a> <a href="HTTPS://Example.COM/x?q=1">x</a> '
        "<a href='javascript:alert(1)'>no</a> <a href=\"tg://user?id=1001\">Alice</a> "
        '<pre><code class="language-python">print(1)</code></pre> <pre>raw</pre> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> '
        "<blockquote>q</blockquote> <blockquote expandable>e</blockquote> <strong>B</strong>"
    )
    users = {1001: {"id": 1001, "is_bot": False, "first_name": "Alice"}}
    text, entities = parse_html(source, users.get)
    assert text == "site x no Alice print(1) raw s t q e B"
    assert entities == [
        {"offset": 0, "length": 4, "type": "text_link", "url": "https://example.com/"},
        {"offset": 5, "length": 1, "type": "text_link", "url": "https://example.com/x?q=1"},
        {"offset": 10, "length": 5, "type": "text_mention", "user": users[1001]},
        {"offset": 16, "length": 8, "type": "pre", "language": "python"},
        {"offset": 25, "length": 3, "type": "pre"},
        {"offset": 29, "length": 1, "type": "spoiler"},
        {"offset": 31, "length": 1, "type": "spoiler"},
        {"offset": 33, "length": 1, "type": "blockquote"},
        {"offset": 35, "length": 1, "type": "expandable_blockquote"},
        {"offset": 37, "length": 1, "type": "bold"},
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("Ђ<p>", 'Unsupported start tag "p" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_html_errors_use_telegram_wording(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == message


def test_entities_render_back_to_html() -> None:
    source = (
        '<b>Zdravo <i>👋 svete</i></b> &lt;3 <a href="https://example.com/">link</a> '
        '<pre><code class="language-py">x = 1</code></pre> <tg-spoiler>s</tg-spoiler>'
    )
    text, entities = parse_html(source)
    rendered = entities_to_html(text, entities)
    assert rendered == source
    assert parse_html(rendered) == (text, entities)


def test_trimming_moves_and_clips_the_entities() -> None:
    bold = {"offset": 0, "length": 4, "type": "bold"}  # "  hi": clipped to "hi"
    italic = {"offset": 5, "length": 7, "type": "italic"}  # "there \n": clipped to "there"
    code = {"offset": 0, "length": 2, "type": "code"}  # only the spaces: dropped
    assert trim("  hi there \n", [bold, italic, code]) == (
        "hi there",
        [{**bold, "offset": 0, "length": 2}, {**italic, "offset": 3, "length": 5}],
    )
    assert trim("as is", [bold]) == ("as is", [bold])


@pytest.mark.parametrize(
    ("link", "checked"),
    [
        ("example.com", "http://example.com/"),
        ("HTTPS://Example.COM/x?q=1#top", "https://example.com/x?q=1#top"),
        ("localhost:8080/x", "http://localhost:8080/x"),
        ("tg://resolve?domain=kapacitet_bot", "tg://resolve?domain=kapacitet_bot"),
        ("tg://", None),
        ("javascript:alert(1)", None),
        ("mailto:ana@example.org", None),
        ("ftp://example.org", None),
        ("http://exa mple.com", None),
        ("https://example.org:99999/", None),
    ],
)
def test_links_are_checked_and_normalised_like_telegram(link: str, checked: str | None) -> None:
    assert check_link(link) == checked
