-- wrk script of the load test (tests/security/test_load.py): every connection is a customer
-- who adds to the cart, toggles the insurance, checks out and pays, then starts again as a new
-- visitor. Threads alternate between the two instances (STOREFRONT_SECOND_PORT).
--   wrk -t4 -c4 -d15s -s shop_flow.lua http://127.0.0.1:<first port> -- <product id>...

local threads = {}
local count = 0

function setup(thread)
   count = count + 1
   if count % 2 == 0 then
      thread.addr = wrk.lookup("127.0.0.1", os.getenv("STOREFRONT_SECOND_PORT"))[1]
   end
   thread:set("id", count)
   table.insert(threads, thread)
end

local CUSTOMER = "first_name=Load&last_name=Test&email=load%40example.com"
   .. "&phone=%2B41+22+123+45+67&street=1+rue+du+Test&postcode=1200&city=Geneva&country=CH"

function init(args)
   products = {}
   for i, value in ipairs(args) do products[i] = value end
   math.randomseed(os.time() * 1000 + id)
   stats = { orders = 0, refused = 0, abandoned = 0, requests = 0, server_errors = 0 }
   restart()
end

function restart()
   cookie, token, payment = nil, nil, nil
   state = "home"
   adds = math.random(1, 3)
   toggles = math.random(0, 3)
end

local function form_request(path, body, htmx)
   local headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept-Language"] = "en",
   }
   if cookie then headers["Cookie"] = cookie end
   if htmx then headers["HX-Request"] = "true" end
   return wrk.format("POST", path, headers, "csrf_token=" .. token .. "&" .. body)
end

function request()
   stats.requests = stats.requests + 1
   if state == "home" then
      return wrk.format("GET", "/", { ["Accept-Language"] = "en" })
   elseif state == "add" then
      local product = products[math.random(1, #products)]
      return form_request("/cart/add", "product_id=" .. product .. "&quantity=" .. math.random(1, 3), true)
   elseif state == "insure" then
      local answer = (toggles % 2 == 1) and "yes" or "no"
      return form_request("/cart/insurance", "insurance=" .. answer, true)
   elseif state == "checkout" then
      return form_request("/checkout", CUSTOMER, false)
   elseif state == "last-chance" then
      local answer = (math.random() < 0.5) and "accepted" or "declined"
      return form_request("/checkout/last-chance", "popup=" .. answer, false)
   else -- approve
      return form_request(payment .. "/approve", "", false)
   end
end

local function header(headers, name)
   return headers[name] or headers[string.lower(name)]
end

function response(status, headers, body)
   if status >= 500 then
      stats.server_errors = stats.server_errors + 1
   end
   local set_cookie = header(headers, "Set-Cookie")
   if set_cookie then
      local value = string.match(set_cookie, "storefront_session=([^;]*)")
      if value and value ~= "" then cookie = "storefront_session=" .. value end
   end
   local location = header(headers, "Location") or ""
   if state == "home" then
      token = string.match(body, 'name="csrf_token"[^>]-value="([^"]+)"')
      if token then state = "add" else stats.abandoned = stats.abandoned + 1; restart() end
   elseif state == "add" then
      adds = adds - 1
      if adds <= 0 then state = (toggles > 0) and "insure" or "checkout" end
   elseif state == "insure" then
      toggles = toggles - 1
      if toggles <= 0 then state = "checkout" end
   elseif state == "checkout" or state == "last-chance" then
      payment = string.match(location, "(/payment/demo/[^/?]+)$")
      if payment then
         state = "approve"
      elseif string.find(location, "/checkout/last%-chance$") and state == "checkout" then
         state = "last-chance"
      else
         stats.abandoned = stats.abandoned + 1  -- every add refused (sold out): start again
         restart()
      end
   else
      if string.find(location, "/orders/") then
         stats.orders = stats.orders + 1
      else
         stats.refused = stats.refused + 1  -- sold out meanwhile: nothing charged
      end
      restart()
   end
end

function done(summary, latency, requests)
   local totals = { orders = 0, refused = 0, abandoned = 0, requests = 0, server_errors = 0 }
   for _, thread in ipairs(threads) do
      local s = thread:get("stats")
      for key, value in pairs(s) do totals[key] = totals[key] + value end
   end
   io.write(string.format(
      "FLOW orders=%d refused=%d abandoned=%d requests=%d server_errors=%d socket_errors=%d\n",
      totals.orders, totals.refused, totals.abandoned, totals.requests, totals.server_errors,
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
   ))
end
