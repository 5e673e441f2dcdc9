-- calendar_miss.lua - wrk script: week-calendar reads that are never the
-- same request twice (the period starts a different second of the week each
-- time), so the gateway's response cache never answers and every request
-- goes to the scheduling service and PostgreSQL.
-- WEEK_START (epoch seconds, Monday 00:00 +07:00) comes from the environment.
local week = tonumber(os.getenv("WEEK_START"))
local counter = 0

local function rfc3339(t)
  return os.date("!%Y-%m-%dT%H:%M:%S", t + 7 * 3600) .. "%2B07:00"
end

request = function()
  counter = counter + 1
  local from = week + (counter % 86400)
  local path = "/api/v1/meetings?from=" .. rfc3339(from) .. "&to=" .. rfc3339(week + 7 * 86400)
  return wrk.format("GET", path)
end
