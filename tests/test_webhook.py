"""``python -m bot run`` in webhook mode, a real process against the fake Bot API server.

The bot registers its webhook (with the secret) at the fake server; the test then posts
updates to the bot's webhook port as Telegram would: without the secret or with a wrong
one they are refused with 403, with the right one the bot answers through the fake
server. The ops server answers /health and /metrics meanwhile, the logs are JSON lines
without the token, and SIGTERM (``docker stop``) shuts the bot down cleanly.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import aiohttp

from bot.simulator.fake_bot_api import FakeBotApi
from tests.support.processes import bot_env, free_port, python_bot
from tests.support.waiting import wait_until

TOKEN = "123456789:AAHkapacitetWebhookTestTokenSecretPart0"
SECRET = "kapacitet_webhook-secret_42"
HOOK_PATH = "/kapacitet-hook"
WEBHOOK_URL = f"https://bot.example.org{HOOK_PATH}"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
USER = 501


async def test_webhook_mode_refuses_without_the_secret_and_answers_with_it(
    database_url: str, tmp_path: Path
):
    api = FakeBotApi(token=TOKEN)
    await api.start()
    api.add_user(USER, first_name="Ana", language_code="en")
    hook_port, ops_port = free_port(), free_port()
    env = bot_env(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_API_BASE_FILE_URL=api.base_file_url,
        WEBHOOK_URL=WEBHOOK_URL,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(hook_port),
        OPS_PORT=str(ops_port),
        LOG_FORMAT="json",
    )
    process = await python_bot("run", cwd=tmp_path, env=env)
    hook = f"http://127.0.0.1:{hook_port}{HOOK_PATH}"
    ops = f"http://127.0.0.1:{ops_port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def webhook_up() -> bool:
                if process.returncode is not None:
                    raise AssertionError("the bot exited early")
                try:
                    async with http.post(hook, json={}) as response:
                        return response.status == 403
                except aiohttp.ClientConnectionError:
                    return False

            await wait_until(webhook_up, 60, "the webhook server")
            registered = api.calls_of("setWebhook")[-1]
            assert registered["url"] == WEBHOOK_URL
            assert registered["secret_token"] == SECRET
            assert set(registered["allowed_updates"]) >= {"message", "callback_query"}

            api.push_message(USER, "/start")
            update = api.pending_updates[-1]
            async with http.post(hook, json=update) as response:
                assert response.status == 403  # no secret
            async with http.post(hook, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 403
            await asyncio.sleep(0.5)
            assert not [m for m in api.messages(USER) if m.from_bot]

            async with http.post(hook, json=update, headers={SECRET_HEADER: SECRET}) as response:
                assert response.status == 200

            async def answered() -> bool:
                return any(m.from_bot for m in api.messages(USER))

            await wait_until(answered, 20, "the bot's answer")
            assert "English" in str(api.messages(USER)[-1].reply_markup)

            async with http.get(f"{ops}/health") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok", "database": "ok"}
            async with http.get(f"{ops}/metrics") as response:
                assert response.status == 200
                metrics = await response.text()
            assert 'kapacitet_updates_total{type="message"} 1.0' in metrics
            assert 'kapacitet_messages_sent_total{method="sendMessage"} 1.0' in metrics
            assert "process_resident_memory_bytes" in metrics

        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
    log = stderr.decode()
    assert process.returncode == 0, log[-3000:]
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert TOKEN not in log and TOKEN.split(":")[1] not in log and SECRET not in log
    assert "/start" not in log
    errors = [r for r in records if r["level"] in ("ERROR", "CRITICAL")]
    assert not errors, [(r["logger"], r["message"], r.get("exception", "")) for r in errors]
