-- Unique request bodies for Cunyue and the bare yardstick (see bench/__main__.py).
-- args: mode (checkin|redeem), target (app|bare), first id, count, token, event/item id
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode, target = args[1], args[2]
  first, count = tonumber(args[3]), tonumber(args[4])
  token, ref = args[5], args[6]
  nthreads = tonumber(args[7])
  i = tid
end

function request()
  local id = first + (i % count)
  i = i + nthreads
  local body, path
  if mode == "checkin" then
    if target == "app" then
      path = "/api/v1/events/" .. ref .. "/checkins"
      body = '{"resident_id": ' .. id .. '}'
    else
      path = "/checkin"
      body = '{"event_id": ' .. ref .. ', "resident_id": ' .. id .. '}'
    end
  else
    if target == "app" then
      path = "/api/v1/redemptions"
      body = '{"household_id": ' .. id .. ', "lines": [{"item_id": ' .. ref .. ', "quantity": 1}]}'
    else
      path = "/redeem"
      body = '{"household_id": ' .. id .. ', "amount": 1}'
    end
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}, body)
end
