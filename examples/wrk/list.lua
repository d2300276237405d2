-- wrk script: sends the requests of a file written by the load tool's `--emit`, each once,
-- in the file's order, over every connection. For the answers that write (claims, intake),
-- where one request repeated would be refused as a replay or do nothing the second time:
--
--   load --scenario claim --count 30000 --emit claims.req     # prepares 30,000 tickets first
--   wrk -t1 -c64 -d5s -s examples/wrk/list.lua http://127.0.0.1:3000 -- claims.req
--
-- A line is the path, then `Name: value` headers, then the body, separated by tabs. The file
-- is read and every request formatted at start; request() only hands out the next one. Past
-- the end it starts again from the first (each then a replay or a repeat): give wrk more
-- requests than it can send in -d, and compare its request count with the file's
-- (examples/ratios.sh does).

local reqs, n, i = {}, 0, 0

function init(args)
  local file = args[1]
  assert(file, "usage: wrk ... -s examples/wrk/list.lua URL -- FILE (from load --emit)")
  for line in io.lines(file) do
    local fields = {}
    for f in line:gmatch("[^\t]+") do
      fields[#fields + 1] = f
    end
    assert(#fields >= 2, "list.lua: line " .. (n + 1) .. " of " .. file .. " has no body")
    local headers = {}
    for j = 2, #fields - 1 do
      local k, v = fields[j]:match("^([^:]+): (.*)$")
      assert(k, "list.lua: line " .. (n + 1) .. ": `" .. fields[j] .. "` is not a header")
      headers[k] = v
    end
    n = n + 1
    reqs[n] = wrk.format("POST", fields[1], headers, fields[#fields])
  end
  assert(n > 0, "list.lua: " .. file .. " holds no request")
end

function request()
  i = i % n + 1
  return reqs[i]
end
