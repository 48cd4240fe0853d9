"""Place names that bylines carry as datelines: "Jane Doe, Nairobi", "Los Angeles Times".

A candidate author that is exactly one of these (compared without case) is a place, not a
person. Only well-known places are listed: countries, their large regions and big cities
(news datelines name these), in English and in the spelling of their own language. Words that
are also common given names are left out on purpose.
"""

from __future__ import annotations

_COUNTRIES = """
    Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan
    Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia
    Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde
    Central African Republic|Chile|China|Colombia|Comoros|Congo|Costa Rica|Croatia|Cuba
    Cyprus|Czech Republic|Czechia|Denmark|Djibouti|Dominican Republic|Ecuador|Egypt
    El Salvador|Equatorial Guinea|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon
    Gambia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guyana|Haiti|Honduras
    Hong Kong|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Italy|Ivory Coast
    Jamaica|Japan|Kazakhstan|Kenya|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho
    Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Macau|Madagascar|Malawi|Malaysia|Maldives
    Mali|Malta|Mauritania|Mauritius|Mexico|Moldova|Monaco|Mongolia|Montenegro|Morocco
    Mozambique|Myanmar|Namibia|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria
    North Korea|North Macedonia|Norway|Oman|Pakistan|Palestine|Panama|Papua New Guinea
    Paraguay|Peru|Philippines|Poland|Portugal|Puerto Rico|Qatar|Romania|Russia|Rwanda
    San Marino|Saudi Arabia|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|Slovakia
    Slovenia|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|Sudan|Suriname
    Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tunisia|Turkey|Türkiye
    Turkmenistan|Uganda|Ukraine|United Arab Emirates|United Kingdom|United States|Uruguay
    Uzbekistan|Vatican|Venezuela|Vietnam|Yemen|Zambia|Zimbabwe|UK|USA|U.S.|Britain
    Great Britain|England|Scotland|Wales|Northern Ireland|Gaza|West Bank|Crimea|Greenland
    Deutschland|Österreich|Schweiz|Frankreich|Italien|Spanien|Russland|Türkei|Griechenland
    Niederlande|Belgien|Polen|Tschechien|Ungarn|Dänemark|Schweden|Norwegen|Finnland
    Großbritannien|Vereinigte Staaten|Kanada|Mexiko|Brasilien|Argentinien|Indien|Japan
    Ägypten|Syrien|Libanon|Irak|Südafrika|Kenia|Nigeria|Australien|Neuseeland
    Allemagne|Autriche|Suisse|Italie|Espagne|Russie|Turquie|Grèce|Pays-Bas|Belgique|Pologne
    Royaume-Uni|États-Unis|Etats-Unis|Mexique|Brésil|Argentine|Inde|Japon|Chine|Égypte|Syrie
    Liban|Afrique du Sud|Australie|Alemania|Francia|Italia|España|Rusia|Turquía|Grecia
    Países Bajos|Bélgica|Polonia|Reino Unido|Estados Unidos|México|Brasil|Japón|Egipto|Siria
    Líbano|Sudáfrica|Germania|Spagna|Svizzera|Stati Uniti|Regno Unito|Giappone|Cina
"""
_REGIONS = """
    Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii
    Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts
    Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey
    New Mexico|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island
    South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|West Virginia
    Wisconsin|Wyoming|Washington D.C.|Washington DC|Alberta|British Columbia|Manitoba
    New Brunswick|Newfoundland|Nova Scotia|Ontario|Quebec|Québec|Saskatchewan|Yukon
    New South Wales|Queensland|Tasmania|Western Australia|South Australia
    Northern Territory|Bavaria|Bayern|Baden-Württemberg|Berlin-Brandenburg|Brandenburg|Hessen
    Hesse|Niedersachsen|Lower Saxony|Nordrhein-Westfalen|North Rhine-Westphalia
    Rheinland-Pfalz|Saarland|Sachsen|Saxony|Sachsen-Anhalt|Schleswig-Holstein|Thüringen
    Thuringia|Mecklenburg-Vorpommern|Tirol|Tyrol|Vorarlberg|Kärnten|Steiermark|Styria
    Catalonia|Cataluña|Catalunya|Andalusia|Andalucía|Galicia|Basque Country|País Vasco
    Mallorca|Majorca|Ibiza|Canary Islands|Sicily|Sicilia|Sardinia|Sardegna|Lombardy|Lombardia
    Tuscany|Toscana|Bavière|Provence|Normandie|Normandy|Bretagne|Brittany|Corsica|Corse
    Kashmir|Punjab|Kerala|Bengal|Tamil Nadu|Maharashtra|Gujarat|Karnataka|Siberia|Tibet
    Xinjiang|Hokkaido|Okinawa|Kurdistan|Darfur|Sahara|Balkans|Caucasus|Middle East
    Latin America|Europe|Africa|Asia|Oceania|Antarctica|North America|South America
    Scandinavia|Patagonia|Silicon Valley|Wall Street|Capitol Hill|Westminster|Brussels
"""
_CITIES = """
    Abu Dhabi|Abuja|Accra|Addis Ababa|Ahmedabad|Aleppo|Algiers|Almaty|Amman|Amsterdam|Ankara
    Antwerp|Athens|Atlanta|Auckland|Baghdad|Baku|Baltimore|Bamako|Bangalore|Bengaluru|Bangkok
    Barcelona|Basel|Beijing|Beirut|Belfast|Belgrade|Benghazi|Berlin|Bern|Bilbao|Birmingham
    Bogota|Bogotá|Bologna|Bonn|Bordeaux|Boston|Bratislava|Bremen|Brisbane|Bristol|Bruxelles
    Brüssel|Bucharest|Budapest|Buenos Aires|Cairo|Calcutta|Kolkata|Calgary|Canberra
    Cape Town|Caracas|Cardiff|Casablanca|Chennai|Chicago|Cincinnati|Cleveland|Cologne|Köln
    Copenhagen|Dakar|Dallas|Damascus|Dar es Salaam|Delhi|New Delhi|Denver|Detroit|Dhaka|Doha
    Dortmund|Dresden|Dubai|Dublin|Durban|Düsseldorf|Edinburgh|Edmonton|Essen|Firenze
    Frankfurt|Frankfurt am Main|Geneva|Genf|Genève|Genoa|Glasgow|Gothenburg|Graz|Guangzhou
    Hamburg|Hanoi|Hannover|Hanover|Harare|Havana|Helsinki|Ho Chi Minh City|Honolulu|Houston
    Hyderabad|Innsbruck|Islamabad|Istanbul|Jakarta|Jeddah|Jerusalem|Johannesburg|Kabul
    Kampala|Karachi|Kathmandu|Khartoum|Kiev|Kyiv|Kinshasa|Kuala Lumpur|Kuwait City|Lagos
    Lahore|Las Vegas|Leipzig|Lima|Linz|Lisbon|Lisboa|Liverpool|Ljubljana|London|Los Angeles
    Luanda|Lyon|Madrid|Malaga|Málaga|Managua|Manchester|Manila|Mannheim|Marseille|Mecca
    Melbourne|Mexico City|Miami|Milan|Milano|Minneapolis|Minsk|Mogadishu|Monrovia|Montevideo
    Montreal|Montréal|Moscow|Moskau|Mumbai|Bombay|Munich|München|Nagoya|Nairobi|Nantes|Naples
    Napoli|Nashville|New Orleans|New York|New York City|Newcastle|Nice|Nuremberg|Nürnberg
    Osaka|Oslo|Ottawa|Palermo|Palma|Palma de Mallorca|Paris|Perth|Philadelphia
    Pittsburgh|Porto|Portland|Prag|Prague|Praha|Pretoria|Pyongyang|Quito|Rabat|Ramallah
    Rangoon|Yangon|Riga|Rio de Janeiro|Riyadh|Rome|Roma|Rotterdam|Sacramento|Saint Petersburg
    St. Petersburg|Salzburg|San Antonio|San Diego|San Francisco|San Jose|San José|Santiago
    Santo Domingo|São Paulo|Sao Paulo|Sarajevo|Seattle|Seoul|Sevilla|Seville|Shanghai
    Shenzhen|Singapore|Skopje|Stockholm|Strasbourg|Stuttgart|Sydney|Taipei
    Tallinn|Tashkent|Tbilisi|Tehran|Teheran|Tel Aviv|The Hague|Den Haag|Tirana|Tokyo|Toronto
    Toulouse|Tripoli|Tunis|Turin|Torino|Ulaanbaatar|Valencia|Valletta|Vancouver|Venice
    Venezia|Vienna|Wien|Vilnius|Warsaw|Warschau|Warszawa|Wellington|Washington|Winnipeg
    Wuhan|Yerevan|Zagreb|Zurich|Zürich
"""
#: Place names, case-folded.
PLACES = frozenset(
    name.strip().casefold()
    for block in (_COUNTRIES, _REGIONS, _CITIES)
    for line in block.splitlines()
    for name in line.split("|")
    if name.strip()
)


def is_place(name: str) -> bool:
    """True when ``name`` is one of the well-known places (without case)."""
    return " ".join(name.split()).casefold() in PLACES
