-- wrk script: one Slack-signed request, the same bytes repeated on every keep-alive
-- connection. The answers that need no database (examples/PERF.md, "Ack paths"):
--
--   help            /cx help                            POST /slack/commands
--   typo            /cx hello world (unknown subcommand) POST /slack/commands
--   badarg          /cx claim (no ticket)               POST /slack/commands
--   challenge       url_verification                    POST /slack/events
--   retry           an event_callback redelivered        POST /slack/events (X-Slack-Retry-Num: 1)
--   unknown_action  a click on an unknown action id     POST /slack/interactivity
--
--   SLACK_SIGNING_SECRET=S wrk -t1 -c64 -d10s -s examples/wrk/slack.lua http://127.0.0.1:3000 -- typo
--
-- The body is signed once, at start (openssl, with the current time): Slack's 5-minute
-- window leaves room for runs of a few minutes. A retried event repeats one event id, so
-- every request after the first is a duplicate of an event already recorded.

local kinds = {
  help = { "/slack/commands", "application/x-www-form-urlencoded", "help" },
  typo = { "/slack/commands", "application/x-www-form-urlencoded", "hello+world" },
  badarg = { "/slack/commands", "application/x-www-form-urlencoded", "claim" },
  challenge = { "/slack/events", "application/json" },
  retry = { "/slack/events", "application/json" },
  unknown_action = { "/slack/interactivity", "application/x-www-form-urlencoded" },
}

local function slash(text)
  return "token=wrk&team_id=T0WRK&team_domain=wrk&channel_id=C0WRKQ&channel_name=cx-queue"
    .. "&user_id=UWRK00001&user_name=agent1&command=%2Fcx&text=" .. text
    .. "&api_app_id=A0WRK&response_url=http%3A%2F%2F127.0.0.1%3A3100%2Fresponse_url"
    .. "&trigger_id=1.2.wrk"
end

local function body_of(kind, now)
  if kind == "challenge" then
    return '{"token":"wrk","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",'
      .. '"type":"url_verification"}'
  elseif kind == "retry" then
    return '{"token":"wrk","team_id":"T0WRK","api_app_id":"A0WRK","event":{"type":"app_mention",'
      .. '"user":"UWRK00001","text":"<@UCXBOT> what is in the queue?","ts":"' .. now .. '.000100",'
      .. '"channel":"C0WRKQ","event_ts":"' .. now .. '.000100"},"type":"event_callback",'
      .. '"event_id":"EvWRK' .. now .. '","event_time":' .. now .. ','
      .. '"authorizations":[{"team_id":"T0WRK","user_id":"UCXBOT","is_bot":true}]}'
  elseif kind == "unknown_action" then
    -- payload={"type":"block_actions",...,"actions":[{"action_id":"wrk_unknown_action",...}]}
    return "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22UWRK00001%22"
      .. "%2C%22username%22%3A%22agent1%22%2C%22name%22%3A%22agent1%22%2C%22team_id%22%3A%22T0WRK%22%7D"
      .. "%2C%22api_app_id%22%3A%22A0WRK%22%2C%22token%22%3A%22wrk%22%2C%22trigger_id%22%3A%221.2.wrk%22"
      .. "%2C%22team%22%3A%7B%22id%22%3A%22T0WRK%22%7D%2C%22channel%22%3A%7B%22id%22%3A%22C0WRKQ%22%7D"
      .. "%2C%22message%22%3A%7B%22type%22%3A%22message%22%2C%22ts%22%3A%221700000000.000100%22%7D"
      .. "%2C%22response_url%22%3A%22http%3A%2F%2F127.0.0.1%3A3100%2Fresponse_url%22"
      .. "%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22wrk_unknown_action%22%2C%22block_id%22%3A"
      .. "%22old_card%22%2C%22type%22%3A%22button%22%2C%22value%22%3A%2242%22%7D%5D%7D"
  else
    return slash(kinds[kind][3])
  end
end

-- v0= + hex HMAC-SHA256 of "v0:<ts>:<body>" with $SLACK_SIGNING_SECRET (openssl: wrk's Lua
-- has no HMAC).
local function sign(ts, body)
  local file = os.tmpname()
  local f = assert(io.open(file, "wb"))
  f:write("v0:" .. ts .. ":" .. body)
  f:close()
  local p = assert(io.popen('openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" -r "' .. file .. '"'))
  local out = p:read("*a")
  p:close()
  os.remove(file)
  local hex = out:match("^(%x+)")
  assert(hex and #hex == 64, "openssl did not print a HMAC: " .. out)
  return "v0=" .. hex
end

function init(args)
  local kind = args[1] or "help"
  local k = kinds[kind]
  if not k then
    error("unknown kind `" .. kind .. "`: help, typo, badarg, challenge, retry, unknown_action")
  end
  assert(os.getenv("SLACK_SIGNING_SECRET"), "SLACK_SIGNING_SECRET is not set")
  local now = tostring(os.time())
  local body = body_of(kind, now)
  wrk.method = "POST"
  wrk.path = k[1]
  wrk.body = body
  wrk.headers["Content-Type"] = k[2]
  wrk.headers["X-Slack-Request-Timestamp"] = now
  wrk.headers["X-Slack-Signature"] = sign(now, body)
  if kind == "retry" then
    wrk.headers["X-Slack-Retry-Num"] = "1"
    wrk.headers["X-Slack-Retry-Reason"] = "http_timeout"
  end
end

-- No request() or response() here: wrk then builds the request once (from wrk.method, .path,
-- .headers and .body, set above) and sends those bytes on every request without calling
-- Lua, the cheapest client there is. It counts non-2xx answers itself ("Non-2xx or 3xx
-- responses"); the run script fails a run that has any.
